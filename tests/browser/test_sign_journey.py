"""A person signs on a phone-sized screen, finds the mail, confirms and sees themself listed."""

from __future__ import annotations

import httpx
import pytest

from signon import i18n
from signon.settings import Settings
from tests.browser.conftest import ARTIFACTS, shot, wait_for_mail
from tests.support import LiveServer, SmtpSink, confirm_link, individual_form, make_campaign

# The same journey in a left-to-right and a right-to-left language, each with a name in its script.
JOURNEYS = {
    "en": ("Maya Okafor", "maya@example.org", "Leeds", "ltr"),
    "ar": ("مريم الحسيني", "maryam@example.org", "حلب", "rtl"),
}


@pytest.mark.parametrize("language", list(JOURNEYS))
def test_individual_signs_confirms_and_appears(
    page,
    language: str,
    live_server: LiveServer,
    live_settings: Settings,
    smtp_server: SmtpSink,
) -> None:  # type: ignore[no-untyped-def]
    name, address, city, direction = JOURNEYS[language]

    def t(text: str, **variables: object) -> str:
        with i18n.using(language):
            return i18n.gettext(text, **variables)

    make_campaign(live_settings)
    page.goto(f"{live_server.url}/c/free-them" + ("" if language == "en" else f"?lang={language}"))
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == direction
    form = page.locator("form.sign-form")
    assert form.evaluate("form => getComputedStyle(form).direction") == direction
    shot(page, "1-campaign")
    assert page.locator("#organization").is_hidden(), "organization fields hidden for individuals"

    page.get_by_label(t("Your name")).fill(name)
    page.get_by_label(t("Your email address")).fill(address)
    page.get_by_label(t("City")).fill(city)
    page.get_by_label(t("List my name (or my organization's name) publicly")).check()
    page.wait_for_timeout(2100)  # a person takes longer than the form's minimum time-to-fill
    page.get_by_role("button", name=t("Sign"), exact=True).click()
    page.wait_for_url("**/check-email*")
    assert page.get_by_role("heading", name=t("Check your email")).is_visible()
    shot(page, "2-check-email")

    mail = wait_for_mail(smtp_server, address)
    assert mail["Subject"] == t("Please confirm your signature: %(title)s", title="Free them all")
    link = confirm_link(mail)
    assert link.endswith(f"?lang={language}") or language == "en"
    page.goto(link)
    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator("main").get_by_text(name).is_visible()
    shot(page, "3-confirm")
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    heading = t("Thank you: your signature is confirmed")
    assert page.get_by_role("heading", name=heading).is_visible()
    shot(page, "4-confirmed")

    page.get_by_role("link", name=t("See the campaign")).click()
    assert page.locator("html").get_attribute("dir") == direction
    # Arabic says "one signature" in words (توقيع واحد), so the number is read from the page's data.
    assert page.locator(".counts").get_attribute("data-total") == "1"
    assert page.locator(".endorser-list").get_by_text(name).is_visible()
    shot(page, "5-listed")


def test_organization_form_without_javascript_keeps_input_on_errors(
    browser, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    make_campaign(live_settings)
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.artifacts_dir = ARTIFACTS / "organization-no-js"
    try:
        page.goto(f"{live_server.url}/c/free-them")
        page.get_by_label("on behalf of an organization").check()
        assert page.locator("#organization").is_visible(), "organization fields appear, no JS"
        page.get_by_label("Organization name").fill("Tenants Union")
        page.get_by_label("Your name").fill("Sam Ortiz")
        page.get_by_label("Your email address").fill("sam@tenants")  # no dot in the domain
        page.get_by_label("Count my signature, but do not show any name").check()
        page.wait_for_timeout(2100)  # a person takes longer than the minimum time-to-fill
        page.get_by_role("button", name="Sign").click()
        shot(page, "1-error")
        assert page.locator("#email-error").is_visible()
        assert page.get_by_label("Organization name").input_value() == "Tenants Union"
        assert page.get_by_label("Your name").input_value() == "Sam Ortiz"
        page.get_by_label("Your email address").fill("sam@tenants.example.org")
        page.get_by_role("button", name="Sign").click()
        page.wait_for_url("**/check-email")
        shot(page, "2-check-email")
        assert page.get_by_role("heading", name="Check your email").is_visible()
        # The page fits a 320 px screen: nothing wider than the viewport.
        page.goto(f"{live_server.url}/c/free-them")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320
    finally:
        context.close()
    # Without JavaScript there is no proof of work, and the person is not penalised for it.
    link = confirm_link(wait_for_mail(smtp_server, "sam@tenants.example.org"))
    with httpx.Client() as web:
        assert web.post(link).status_code == 200
        counts = web.get(f"{live_server.url}/api/campaigns/free-them").json()["counts"]
    assert counts["organizations"] == 1


def test_the_count_on_an_open_page_follows_new_signatures_without_reloading(
    page, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    make_campaign(live_settings)
    with httpx.Client(base_url=live_server.url) as web:
        for n in range(2):  # from 2 to 3: the same wording ("signatures") around the number
            email = f"early{n}@example.org"
            web.post("/c/free-them/sign", data=individual_form(name=f"Early {n}", email=email))
            assert web.post(confirm_link(wait_for_mail(smtp_server, email))).status_code == 200
        page.goto(f"{live_server.url}/c/free-them")
        total = page.locator(".counts .total strong")
        assert total.inner_text() == "2"
        shot(page, "1-two")

        web.post("/c/free-them/sign", data=individual_form(email="late@example.org"))
        assert (
            web.post(confirm_link(wait_for_mail(smtp_server, "late@example.org"))).status_code
            == 200
        )
    from playwright.sync_api import expect

    expect(page.locator(".counts .total strong")).to_have_text("3", timeout=15_000)
    assert page.locator("progress").get_attribute("value") in ("3", "3.0")
    shot(page, "2-three-without-reload")
