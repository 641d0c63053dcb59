"""The QR code as an organizer sees it: the SVG drawn by a real browser scans, and the link it
holds opens the campaign."""

from __future__ import annotations

from pathlib import Path

from signon.settings import Settings
from tests.browser.conftest import shot
from tests.http.test_qr_codes import scan
from tests.support import LiveServer, make_campaign, run_with_runtime

PASSWORD = "a long organizer password"


def test_the_svg_on_the_organizers_page_scans(
    page, live_server: LiveServer, live_settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    make_campaign(live_settings)
    run_with_runtime(
        live_settings,
        lambda runtime: runtime.accounts.create_user("org@example.org", PASSWORD, is_admin=True),
    )
    failed: list[str] = []  # what the browser could not load or refused (CSP); no favicon here
    page.on(
        "console",
        lambda message: (
            None
            if message.location.get("url", "").endswith("/favicon.ico")
            else failed.append(f"{message.text} {message.location}")
        ),
    )
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email address").fill("org@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/campaigns/free-them")

    code = page.get_by_role("img", name="QR code opening")
    code.scroll_into_view_if_needed()
    assert code.evaluate("image => image.complete && image.naturalWidth > 0")
    shot(page, "1-organizer-page-with-qr")
    [link] = scan(code.screenshot(), tmp_path)
    assert link == f"{live_server.url}/c/free-them"
    assert not failed, failed

    page.goto(link)  # where a phone pointed at the poster goes
    assert page.get_by_role("heading", name="Free them all").is_visible()
