"""The delivery letter: a printable page and its PDF, with every publicly listed endorser.

Both hold only what the public lists show. The page is streamed as the endorsers are read, a
batch at a time, so a list of any length never sits in memory whole.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jinja2
from litestar import Controller, MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Stream, Template

from signon import i18n
from signon.db.models import utcnow
from signon.i18n import gettext
from signon.letterfonts import FontUnavailable
from signon.letterpdf import PAPERS, LetterTexts
from signon.runtime import Runtime
from signon.services.campaigns import CampaignView
from signon.services.endorsers import Endorser
from signon.web.errors import NO_CSRF, BadRequest
from signon.web.languages import choose_language
from signon.web.public import campaign_or_404

log = logging.getLogger(__name__)

# Streaming a template needs Jinja's async mode; the app's environment stays synchronous.
_STREAMING: weakref.WeakKeyDictionary[jinja2.Environment, jinja2.Environment] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class LetterSection:
    heading: str
    batches: AsyncIterator[list[Endorser]]


def _paper(paper: str) -> str:
    if paper not in PAPERS:
        raise BadRequest(gettext("The paper size must be a4 or letter."))
    return paper


def letter_texts(campaign: CampaignView) -> LetterTexts:
    """The letter's words in the reader's language (the organizers' translation of the title
    and statement when there is one). Counts are the campaign's public ones."""
    written = campaign.texts(i18n.current())
    return LetterTexts(
        title=written.title,
        statement_html=written.statement_html,
        language=written.language,
        date=i18n.format_day(utcnow().date()),
        counts=gettext(
            "Endorsements: %(total)s (organizations: %(organizations)s, "
            "individuals: %(individuals)s).",
            total=i18n.format_number(campaign.total),
            organizations=i18n.format_number(campaign.organizations),
            individuals=i18n.format_number(campaign.individuals),
        ),
        named_below=gettext("Below are those who chose to be named publicly."),
        organizations=gettext("Organizations"),
        individuals=gettext("Individuals"),
        nobody_listed=gettext("No one is listed here yet."),
        right_to_left=i18n.direction() == "rtl",
    )


def _streaming_template(request: Request, name: str) -> jinja2.Template:
    engine: jinja2.Environment = request.app.template_engine.engine  # type: ignore[union-attr]
    streaming = _STREAMING.get(engine)
    if streaming is None:
        streaming = _STREAMING.setdefault(engine, engine.overlay(enable_async=True))
    return streaming.get_template(name)


class LetterController(Controller):
    opt = NO_CSRF
    before_request = choose_language  # the reader's language, as on every public page

    @get("/c/{slug:str}/letter", name="letter", media_type=MediaType.HTML)
    async def letter_page(
        self,
        request: Request,
        slug: FromPath[str],
        runtime: NamedDependency[Runtime],
        paper: FromQuery[str] = "a4",
    ) -> Stream:
        campaign = await campaign_or_404(runtime, slug)
        paper = _paper(paper)
        texts = letter_texts(campaign)
        sections = [
            LetterSection(
                texts.organizations,
                runtime.letters.section(campaign.id, "organization", campaign.name_display),
            ),
            LetterSection(
                texts.individuals,
                runtime.letters.section(campaign.id, "individual", campaign.name_display),
            ),
        ]
        context: dict[str, Any] = {
            "request": request,
            "campaign": campaign,
            "texts": texts,
            "paper": paper,
            "papers": tuple(PAPERS),
            "sections": sections,
            "switcher_keeps": ("paper",),
        }
        template = _streaming_template(request, "letter.html")
        chunks = runtime.letters.in_turn(template.generate_async(**context))
        return Stream(chunks, media_type="text/html; charset=utf-8")

    @get("/c/{slug:str}/letter.pdf", name="letter_pdf")
    async def letter_pdf(
        self,
        slug: FromPath[str],
        runtime: NamedDependency[Runtime],
        paper: FromQuery[str] = "a4",
    ) -> Response[bytes] | Template:
        campaign = await campaign_or_404(runtime, slug)
        paper = _paper(paper)
        try:
            document = await runtime.letters.pdf(
                campaign.id, paper, letter_texts(campaign), campaign.name_display
            )
        except FontUnavailable as error:
            log.warning(
                "the PDF letter cannot be made: %s (see SIGNON_PDF_FONT and "
                "SIGNON_PDF_FALLBACK_FONTS)",
                error,
            )
            return Template(
                "letter_unavailable.html",
                context={
                    "campaign": campaign,
                    "texts": campaign.texts(i18n.current()),
                    "paper": paper,
                },
                status_code=503,
            )
        filename = f"letter-{re.sub(r'[^a-z0-9-]', '', campaign.slug)}-{paper}.pdf"
        return Response(
            document,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
