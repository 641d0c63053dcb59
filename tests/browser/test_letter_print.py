"""The delivery letter prints from a real browser on the chosen paper, without the page tools."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from signon.settings import Settings
from tests.browser.conftest import shot
from tests.support import LiveServer, make_campaign


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_the_letter_prints_on_the_chosen_paper(
    page, live_server: LiveServer, live_settings: Settings, paper: str, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    make_campaign(live_settings)
    page.goto(f"{live_server.url}/c/free-them/letter?paper={paper}")
    assert page.get_by_role("button", name="Print").is_visible(), "letter.js offers the button"
    shot(page, f"letter-{paper}")
    printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    box = printed.pages[0].mediabox
    assert (round(box.width), round(box.height)) == size
    text = printed.pages[0].extract_text()
    assert "Free them all" in text
    assert "Paper size" not in text and "Print" not in text, "the tools stay on screen"
    assert "1 / 1" in text, "pages are numbered"
