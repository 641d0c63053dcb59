"""The campaign page, rendered once per change of what it shows and filled in per request.

Everyone who opens a campaign page sees the same HTML except the form's own token and
proof-of-work puzzle, which are per visitor (see signon.abuse). So the page is rendered with
markers where those go, split at the markers, and kept until its inputs change (the campaign
and its latest endorsers, themselves held for about a second by the page cache); each request
then only joins the parts around a freshly issued token.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from signon.abuse.screening import FormChallenge

# Random per process, so no campaign text can contain them by accident or on purpose.
_TOKEN_MARK = f"signon-token-{secrets.token_hex(16)}"
_CHALLENGE_MARK = f"signon-challenge-{secrets.token_hex(16)}"
# Where one more per-request value goes (an embed's host origin); filled in escaped.
SLOT = f"signon-slot-{secrets.token_hex(16)}"
_MARKS = re.compile(f"({_TOKEN_MARK}|{_CHALLENGE_MARK}|{SLOT})")
MAX_PAGES = 1_000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Stencil:
    """A rendered page split at its markers: literal text and marker names, in order."""

    parts: tuple[str, ...]

    @classmethod
    def render(cls, render: Callable[[FormChallenge], str], bits: int) -> Stencil:
        return cls(tuple(_MARKS.split(render(FormChallenge(_TOKEN_MARK, _CHALLENGE_MARK, bits)))))

    @classmethod
    def of(cls, page: str) -> Stencil:
        """A page with no form, rendered with SLOT where its one per-request value goes."""
        return cls(tuple(_MARKS.split(page)))

    def fill(self, challenge: FormChallenge | None, slot: str = "") -> str:
        values = {SLOT: html.escape(slot)}
        if challenge is not None:
            values.update({_TOKEN_MARK: challenge.token, _CHALLENGE_MARK: challenge.challenge})
        return "".join([values.get(part, part) for part in self.parts])


class RenderCache:
    """One rendering per page (a stencil, an encoded JSON body), reused while the objects it
    was rendered from are the same ones: the page cache hands out the same objects until it
    reloads them, so a rendering is never older than what it shows."""

    def __init__(self) -> None:
        self._pages: dict[Any, tuple[Sequence[Any], Any]] = {}

    def get(self, key: Any, inputs: Sequence[Any], render: Callable[[], T]) -> T:
        held = self._pages.get(key)
        if held is not None and _same(held[0], inputs):
            return held[1]  # type: ignore[no-any-return]
        rendered = render()
        if len(self._pages) >= MAX_PAGES:
            self._pages.clear()
        self._pages[key] = (inputs, rendered)
        return rendered


def _same(held: Sequence[Any], inputs: Sequence[Any]) -> bool:
    return len(held) == len(inputs) and all(a is b for a, b in zip(held, inputs, strict=True))
