"""An open campaign page follows its goal stepping up, without reloading."""

from __future__ import annotations

import httpx

from signon.settings import Settings
from tests.browser.conftest import shot
from tests.browser.test_sign_journey import wait_for_mail
from tests.support import LiveServer, SmtpSink, confirm_link, individual_form, make_campaign


def sign_and_confirm(web: httpx.Client, smtp: SmtpSink, email: str) -> None:
    web.post("/c/free-them/sign", data=individual_form(name=email.split("@")[0], email=email))
    assert web.post(confirm_link(wait_for_mail(smtp, email))).status_code == 200


def test_the_bar_and_the_goal_step_up_on_an_open_page(
    page, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    make_campaign(live_settings, goal=3, goal_step_up=True)
    with httpx.Client(base_url=live_server.url) as web:
        for n in range(2):
            sign_and_confirm(web, smtp_server, f"early{n}@example.org")
        page.goto(f"{live_server.url}/c/free-them")
        goal = page.locator(".counts .goal label strong")
        progress = page.locator(".counts progress")
        assert goal.inner_text() == "3" and progress.get_attribute("max") == "3"
        shot(page, "1-two-of-three")

        sign_and_confirm(web, smtp_server, "third@example.org")  # reaches 3: the goal becomes 5

    expect(goal).to_have_text("5", timeout=15_000)
    expect(progress).to_have_attribute("max", "5")
    assert progress.evaluate("bar => bar.value") == 3
    expect(page.locator(".counts .total strong")).to_have_text("3")
    shot(page, "2-goal-stepped-up-without-reload")
