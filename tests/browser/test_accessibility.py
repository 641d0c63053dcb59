"""axe-core (WCAG 2.0/2.1 A and AA) on every public page, in English and in Arabic (RTL)."""

from __future__ import annotations

import httpx
import pytest

from signon import i18n
from signon.settings import Settings
from tests.browser.axe import assert_accessible, assert_paths_accessible, violations
from tests.browser.conftest import in_language, shot, wait_for_mail
from tests.support import (
    LiveServer,
    SmtpSink,
    confirm_link,
    individual_form,
    make_campaign,
    organization_form,
)

# Pages that need nothing but a campaign with endorsers: add new public pages here.
PUBLIC_PAGES = [
    "/c/free-them",
    "/c/closed-one",
    "/c/free-them/endorsers?type=organization",
    "/c/free-them/endorsers?type=individual",
    "/c/free-them/check-email",
    "/embed/free-them/form",
    "/embed/closed-one/form",
    "/embed/free-them/counter",
    "/embed/free-them/check-email",
]


def campaigns_with_endorsers(settings: Settings, base_url: str, smtp: SmtpSink) -> str:
    """An open campaign with a listed person and organization, a closed one, and the
    confirmation link of one more signer who has not confirmed yet."""
    make_campaign(settings)
    make_campaign(settings, slug="closed-one", title="An old letter", status="closed")
    with httpx.Client(base_url=base_url) as web:
        web.post("/c/free-them/sign", data=individual_form())
        web.post("/c/free-them/sign", data=organization_form())
        for address in ("ana@example.org", "joan@riverfriends.example.org"):
            assert web.post(confirm_link(wait_for_mail(smtp, address))).status_code == 200
        web.post("/c/free-them/sign", data=individual_form(email="noor@example.org", name="Noor"))
    return confirm_link(wait_for_mail(smtp, "noor@example.org"))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_public_pages_have_no_serious_accessibility_violations(
    page, language: str, live_server: LiveServer, live_settings: Settings, smtp_server: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    link = campaigns_with_endorsers(live_settings, live_server.url, smtp_server)
    assert_paths_accessible(
        page, live_server.url, [in_language(path, language) for path in PUBLIC_PAGES]
    )
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")

    # The form sent empty: errors announced, each field marked invalid and described by its error.
    page.goto(in_language(f"{live_server.url}/c/free-them", language))
    with page.expect_navigation():
        page.locator(".sign-form [type=submit]").click()
    shot(page, f"{language}-1-errors")
    assert_accessible(page, f"campaign page with errors ({language})")
    summary = page.locator(".form-errors")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('form-errors')")
    with i18n.using(language):
        assert page.title() == i18n.gettext("Error: %(title)s", title="Free them all")
    for field in ("name", "email"):
        control = page.locator(f"#{field}")
        assert control.get_attribute("aria-invalid") == "true"
        assert f"{field}-error" in control.get_attribute("aria-describedby").split()
        assert page.locator(f"#{field}-error").is_visible()
    assert "display-error" in page.locator("fieldset:has(#display_public)").get_attribute(
        "aria-describedby"
    )
    assert page.locator("#display_public").get_attribute("aria-invalid") == "true"
    summary.get_by_role("link").last.click()
    assert page.evaluate("document.activeElement.id") == "display_public"

    # The same inside the embed, which shows its errors in the frame.
    page.goto(in_language(f"{live_server.url}/embed/free-them/form", language))
    with page.expect_navigation():
        page.locator(".sign-form [type=submit]").click()
    shot(page, f"{language}-1-embed-errors")
    assert_accessible(page, f"embedded form with errors ({language})")
    assert page.evaluate("document.activeElement.classList.contains('form-errors')")
    assert page.locator("#email").get_attribute("aria-invalid") == "true"

    page.goto(in_language(link, language))
    shot(page, f"{language}-2-confirm")
    assert_accessible(page, f"confirm page ({language})")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    shot(page, f"{language}-3-thank-you")
    assert_accessible(page, f"thank-you page ({language})")
    with page.expect_navigation():
        page.locator("main a[href*='/manage/']").click()
    shot(page, f"{language}-4-manage")
    assert_accessible(page, f"manage page ({language})")


def test_the_checker_fails_on_an_inaccessible_page(page) -> None:  # type: ignore[no-untyped-def]
    page.set_content(
        "<html><body><img src='/x.png'><form><input name='q'></form>"
        "<p style='color:#bbb;background:#fff'>faint text</p></body></html>"
    )
    found = {violation["id"] for violation in violations(page)}
    assert {"image-alt", "label", "color-contrast", "html-has-lang"} <= found
    with pytest.raises(AssertionError, match=r"(?s)image-alt \(critical\).*dequeuniversity"):
        assert_accessible(page, "a bad page")
