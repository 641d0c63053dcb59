"""The delivery letter: every listed endorser of a campaign, organizations first, for the HTML
page (streamed batch by batch) and the PDF (built off the event loop).

Only what the public lists read goes in: `EndorserService.every` returns listed rows and their
public copy, nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from anyio import to_thread

from signon.letterfonts import LetterFont, find_font
from signon.letterpdf import STATEMENT_LAYOUT_ERRORS, LetterPdf, LetterTexts, plain_statement
from signon.services.endorsers import Endorser, EndorserService

log = logging.getLogger(__name__)

SECTIONS = ("organization", "individual")
BATCH_SIZE = 1000
# A built PDF answers requests for the same letter (same texts and counts) for this long: the
# address is public, and without it a stream of requests would keep a core building.
FRESH_SECONDS = 60.0
KEPT_BUILDS = 8  # letters kept (papers, languages, campaigns): a few MB each at most
# Printable letters streamed at once per process; more wait their turn. Each is the whole list
# in one response, from a public address.
STREAMS_AT_ONCE = 4


class LetterService:
    def __init__(
        self,
        endorsers: EndorserService,
        font: Path | None,
        fallback_fonts: tuple[Path, ...] | None = None,
    ) -> None:
        self.endorsers = endorsers
        self.font_setting = font
        self.fallback_fonts_setting = fallback_fonts
        # One PDF is built at a time per process: a build is seconds of CPU, and the address is
        # public. A request for a letter built less than FRESH_SECONDS ago gets that build.
        self._building = asyncio.Lock()
        # The latest builds by letter (campaign, paper, texts): (when started, the PDF).
        self._built: dict[tuple[object, ...], tuple[float, bytes]] = {}
        self._streams = asyncio.Semaphore(STREAMS_AT_ONCE)

    async def in_turn(self, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        """`chunks` (a printable letter), streamed once fewer than STREAMS_AT_ONCE others are."""
        async with self._streams:
            async for chunk in chunks:
                yield chunk

    def section(
        self, campaign_id: int, signer_type: str, name_display: str
    ) -> AsyncIterator[list[Endorser]]:
        return self.endorsers.every(campaign_id, signer_type, BATCH_SIZE, name_display=name_display)

    def font(self) -> LetterFont:
        """Raises FontUnavailable when no font can be used (before any work is done)."""
        return find_font(self.font_setting, fallbacks=self.fallback_fonts_setting)

    async def pdf(
        self, campaign_id: int, paper: str, texts: LetterTexts, name_display: str
    ) -> bytes:
        key = (campaign_id, paper, texts, name_display)
        asked = time.monotonic()
        async with self._building:
            # A build that started after this request arrived saw everything it would see; one
            # a little older shows the same counts, so the same names give or take moderation.
            built = self._built.get(key)
            if built is not None and built[0] >= asked - FRESH_SECONDS:
                return built[1]
            started = time.monotonic()
            data = await self._build(campaign_id, paper, texts, name_display)
            self._built.pop(key, None)
            self._built[key] = (started, data)
            while len(self._built) > KEPT_BUILDS:  # the oldest first (dicts keep insertion order)
                del self._built[next(iter(self._built))]
            return data

    async def _build(
        self, campaign_id: int, paper: str, texts: LetterTexts, name_display: str
    ) -> bytes:
        font = self.font()
        document = await to_thread.run_sync(LetterPdf, font, paper, texts)
        try:
            await to_thread.run_sync(document.begin)
        except STATEMENT_LAYOUT_ERRORS as error:
            log.warning("the statement's markup cannot be set in the PDF (%s): plain text", error)
            texts = replace(texts, statement_html=plain_statement(texts.statement_html))
            document = await to_thread.run_sync(LetterPdf, font, paper, texts)
            await to_thread.run_sync(document.begin)
        headings = {"organization": texts.organizations, "individual": texts.individuals}
        for signer_type in SECTIONS:
            await to_thread.run_sync(document.section, headings[signer_type])
            listed = 0
            async for batch in self.section(campaign_id, signer_type, name_display):
                listed += len(batch)
                await to_thread.run_sync(document.add, batch)
            if not listed:
                await to_thread.run_sync(document.note, texts.nobody_listed)
        return await to_thread.run_sync(document.finish)
