"""The campaign page is light and self-contained, and every page works on a 320 px wide phone."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from signon.settings import Settings
from tests.browser.conftest import ARTIFACTS, in_language, shot, wait_for_mail
from tests.support import (
    LiveServer,
    SmtpSink,
    confirm_link,
    individual_form,
    make_campaign,
    organization_form,
)

PAGE_BUDGET_BYTES = 60 * 1024
STATEMENT = "\n\n".join(
    [
        "## Drop the charges",
        "Seven neighbours were arrested for standing between a family and the bailiffs. "
        "They face charges that could cost them their jobs, their homes and their right to stay. "
        * 3,
        "We, the undersigned, call on the prosecutor to **drop every charge** now, and on the "
        "city to stop evictions while the courts hear the families' appeals. " * 3,
        "- Drop the charges against the seven\n- Stop the evictions\n- Meet the tenants' union",
        "Sign, share, and [read the full background](https://example.org/background).",
    ]
)
# Long unbroken words, as names and addresses sometimes are, must wrap rather than widen a page.
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft"
LONG_ORGANIZATION = "Internationale-Solidaritätsvereinigung-für-Gefangene-und-ihre-Familien"
LONG_WEBSITE = "https://solidaritaetsvereinigung-fuer-gefangene.example.org/ueber-uns/kontakt"


def _size(request) -> int:  # type: ignore[no-untyped-def]
    sizes = request.sizes()
    return sum(sizes[key] for key in sizes)


def test_campaign_page_is_under_60_kb_and_asks_no_other_origin(
    page, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    make_campaign(live_settings, statement_md=STATEMENT)
    with httpx.Client(base_url=live_server.url) as web:
        for n in range(10):  # a full "latest signers" list, and an organization
            web.post("/c/free-them/sign", data=individual_form(email=f"s{n}@example.org"))
        web.post("/c/free-them/sign", data=organization_form())
        for address in [f"s{n}@example.org" for n in range(10)] + [organization_form()["email"]]:
            assert web.post(confirm_link(wait_for_mail(smtp_server, address))).status_code == 200

    requests = []
    page.on("request", lambda request: requests.append(request))
    page.goto(f"{live_server.url}/c/free-them")
    page.wait_for_load_state("networkidle")
    shot(page, "campaign")

    paths = {urlsplit(request.url).path for request in requests}
    assert {"/c/free-them", "/static/signon.css", "/static/sign.js", "/static/live.js"} <= paths
    origins = {f"{urlsplit(r.url).scheme}://{urlsplit(r.url).netloc}" for r in requests}
    assert origins == {live_server.url}, f"requests to other origins: {origins}"
    failed = [(r.url, r.response() and r.response().status) for r in requests]
    assert all(status and status < 400 for _, status in failed), failed
    total = sum(_size(request) for request in requests)
    breakdown = {request.url: _size(request) for request in requests}
    assert total < PAGE_BUDGET_BYTES, f"{total} bytes transferred: {breakdown}"


def _reach_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    """Tab through the page: every control of the main content gets the focus, and each one
    lies within the screen's width when it has it."""
    wanted = page.evaluate(
        """() => {
            const controls = [...document.querySelectorAll(
                "main a[href], main input:not([type=hidden]), main textarea, main button")]
                // Shown controls, except the honeypot (hidden from people on purpose).
                .filter((el) => el.getClientRects().length > 0
                    && !el.closest("[aria-hidden=true]"));
            // A radio group is one stop for the Tab key.
            const keys = controls.map((el) => el.type === "radio" ? "radio:" + el.name
                : el.id || el.tagName + ":" + (el.getAttribute("href") || el.textContent.trim()));
            controls.forEach((el, i) => { el.dataset.reach = keys[i]; });
            return [...new Set(keys)];
        }"""
    )
    reached: set[str] = set()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(len(wanted) + 20):  # the language links and the skip link come first
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement; const box = el.getBoundingClientRect();
                return {key: el.dataset.reach || null, left: box.left, right: box.right,
                        top: box.top, bottom: box.bottom}; }"""
        )
        if focused["key"]:
            reached.add(focused["key"])
            # Within the screen once focused (a pixel's rounding allowed).
            assert focused["left"] >= -1 and focused["right"] <= width + 1, focused
            assert focused["top"] >= -1 and focused["bottom"] <= height + 1, focused
        if reached == set(wanted):
            return
    raise AssertionError(f"not reached with the Tab key: {set(wanted) - reached}")


def _nothing_scrolls_sideways(page) -> None:  # type: ignore[no-untyped-def]
    sizes = page.evaluate(
        """() => { const root = document.documentElement;
            window.scrollTo(10000, 0); const right = window.scrollX;
            window.scrollTo(-10000, 0); const left = window.scrollX;
            window.scrollTo(0, 0);
            return {scroll: root.scrollWidth, client: root.clientWidth, right, left}; }"""
    )
    assert sizes["scroll"] <= sizes["client"] and sizes["right"] == sizes["left"] == 0, sizes


@pytest.mark.parametrize("language", ["en", "ar"])
def test_at_320_px_nothing_scrolls_sideways_and_every_control_is_reachable(
    browser, language: str, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    make_campaign(live_settings, title=f"Free {LONG_NAME}", statement_md=STATEMENT)
    with httpx.Client(base_url=live_server.url) as web:
        web.post(
            "/c/free-them/sign",
            data=organization_form(organization=LONG_ORGANIZATION, website=LONG_WEBSITE),
        )
        person = individual_form(email="long@example.org", name=LONG_NAME, city=LONG_NAME)
        web.post("/c/free-them/sign", data=person)
        assert web.post(confirm_link(wait_for_mail(smtp_server, "joan@riverfriends.example.org")))
        link = confirm_link(wait_for_mail(smtp_server, "long@example.org"))

    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.artifacts_dir = ARTIFACTS / f"reach-320px-{language}"
    try:
        for name, url in [
            ("campaign", f"{live_server.url}/c/free-them"),
            ("endorsers", f"{live_server.url}/c/free-them/endorsers?type=organization"),
            ("confirm", link),
        ]:
            page.goto(in_language(url, language))
            shot(page, name)
            _nothing_scrolls_sideways(page)
            _reach_by_keyboard(page)
    finally:
        context.close()
