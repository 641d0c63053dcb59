"""The organizer pages in the organizer's language: chosen like the public pages (`?lang=`, then
the browser), remembered across organizer pages once picked, right to left for Arabic, form
errors included; nothing carries over from one request to another; owners' mail stays English."""

from __future__ import annotations

import re

from litestar.testing import TestClient
from markupsafe import escape

from signon import i18n
from signon.settings import Settings
from tests.admin.conftest import Account, log_in, post
from tests.support import SmtpSink, body_of, confirm_path, deliver_mail, organization_form


def said(language: str, text: str, **variables: object) -> str:
    """`text` as the catalog of `language` says it."""
    with i18n.using(language):
        return i18n.gettext(text, **variables)


def html_lang(page: str) -> tuple[str, str]:
    match = re.search(r'<html lang="(\w+)" dir="(\w+)">', page)
    assert match, page[:200]
    return match[1], match[2]


def choose(client: TestClient, language: str, path: str = "/admin/") -> str:
    """Follow the switcher's link to `language` on `path`; returns the page it lands on."""
    separator = "&" if "?" in path else "?"
    picked = client.get(f"{path}{separator}lang={language}", follow_redirects=False)
    assert picked.status_code == 303
    location = picked.headers["location"]
    assert location.rstrip("/") == path.rstrip("/"), "the choice is not carried in the address"
    cookie = picked.headers["set-cookie"]
    assert f"signon_lang={language}" in cookie and "Path=/admin" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    return client.get(location).text


def test_the_dashboard_in_french_and_in_arabic_right_to_left(
    app_client: TestClient, team: dict[str, Account]
) -> None:
    log_in(app_client, team["owner"].email)
    english = app_client.get("/admin/").text
    assert html_lang(english) == ("en", "ltr") and "Your campaigns" in english

    french = choose(app_client, "fr")
    assert html_lang(french) == ("fr", "ltr")
    # Words the catalogs already hold, then the organizer pages' own texts.
    assert '<th scope="col">Statut</th>' in french and "Organisations" in french
    for text in ("Your campaigns", "New campaign", "Waiting for review", "Log out"):
        assert said("fr", text) in french, text
    assert said("fr", "open") in french and said("fr", "owner") in french

    arabic = choose(app_client, "ar")
    assert html_lang(arabic) == ("ar", "rtl")
    assert said("ar", "Status") != "Status" and said("ar", "Status") in arabic
    assert said("ar", "Your campaigns") in arabic
    assert 'hreflang="fr"' in arabic and 'lang="ar" hreflang="ar" aria-current="true"' in arabic


def test_the_choice_holds_on_every_organizer_page_until_changed(
    app_client: TestClient, team: dict[str, Account]
) -> None:
    log_in(app_client, team["owner"].email)
    choose(app_client, "fr")
    for path in (
        "/admin/campaigns/alpha",
        "/admin/campaigns/alpha/edit",
        "/admin/campaigns/alpha/moderation?view=hidden",
        "/admin/campaigns/alpha/updates/",
        "/admin/campaigns/alpha/texts/new",
        "/admin/password",
    ):
        page = app_client.get(path)
        assert page.status_code == 200 and html_lang(page.text)[0] == "fr", path
    # A form sent and its redirect stay in French with nothing in the addresses.
    moved = post(app_client, "/admin/campaigns/alpha/status", {"action": "publish"})
    assert moved.status_code == 303 and "lang" not in moved.headers["location"]
    assert html_lang(app_client.get(moved.headers["location"]).text)[0] == "fr"

    # The switcher keeps the list the moderation page shows, and only that.
    queue = app_client.get("/admin/campaigns/alpha/moderation?view=hidden").text
    assert 'href="/admin/campaigns/alpha/moderation?view=hidden&amp;lang=de"' in queue
    german = choose(app_client, "de", "/admin/campaigns/alpha/moderation?view=hidden")
    assert html_lang(german)[0] == "de"
    assert html_lang(app_client.get("/admin/").text)[0] == "de"

    # Logging out keeps the choice for the login page.
    post(app_client, "/admin/logout")
    login = app_client.get("/admin/login").text
    assert html_lang(login)[0] == "de" and said("de", "Organizer login") in login


def test_browser_preference_then_remembered_choice_then_address(
    new_client, team: dict[str, Account]
) -> None:
    browser = new_client()
    browser.headers["accept-language"] = "fr-CA,fr;q=0.9,en;q=0.5"
    log_in(browser, team["owner"].email)
    assert html_lang(browser.get("/admin/").text)[0] == "fr", "the browser's language first"
    assert html_lang(choose(browser, "en"))[0] == "en", "English kept on a French browser"
    assert html_lang(browser.get("/admin/campaigns/alpha").text)[0] == "en"
    # A nonsense choice is dropped from the address and changes nothing.
    odd = browser.get("/admin/?lang=xx", follow_redirects=False)
    assert odd.status_code == 303 and odd.headers["location"] == "/admin"
    assert "set-cookie" not in odd.headers
    assert html_lang(browser.get("/admin/").text)[0] == "en"
    # A tampered cookie falls back to the browser's preference.
    browser.cookies.set("signon_lang", "klingon", path="/admin")
    assert html_lang(browser.get("/admin/").text)[0] == "fr"


def test_form_errors_come_back_translated_with_the_input_kept(
    app_client: TestClient, team: dict[str, Account]
) -> None:
    log_in(app_client, team["owner"].email)
    choose(app_client, "fr")
    form = {
        "slug": "un-essai",
        "title": "",
        "statement_md": "Libérez-les <b>tous</b>",
        "goal": "-3",
    }
    sent = post(app_client, "/admin/campaigns/new", form)
    assert sent.status_code == 422
    page = sent.text
    assert html_lang(page)[0] == "fr"
    assert "Veuillez corriger les champs signalés ci-dessous" in page
    assert escape(said("fr", "A title of 1 to 200 characters.")) in page
    assert escape(said("fr", "The goal is a whole number above zero, or empty.")) in page
    summary = page.split('<div class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert {link.split('"')[0] for link in summary.split('<a href="#')[1:]} == {
        "title-error",
        "goal-error",
        "language-error",  # the form sent none
    }
    for anchor in ("title-error", "goal-error", "language-error"):
        assert f'id="{anchor}"' in page, "every link has its target"
    assert "Libérez-les &lt;b&gt;tous&lt;/b&gt;</textarea>" in page and 'value="-3"' in page

    update = post(app_client, "/admin/campaigns/alpha/updates/", {"subject": "", "body_md": ""})
    assert update.status_code == 422
    assert escape(said("fr", "The message cannot be empty.")) in update.text

    members = post(
        app_client, "/admin/campaigns/alpha/members", {"email": "nobody@example.org", "role": "x"}
    )
    assert members.status_code == 422 and escape(said("fr", "Choose a role.")) in members.text

    post(app_client, "/admin/logout")
    wrong = log_in(app_client, team["owner"].email, "not the password")
    assert wrong.status_code == 401
    assert escape(said("fr", "Wrong email address or password.")) in wrong.text


def test_nothing_carries_over_between_requests(
    app_client: TestClient, new_client, team: dict[str, Account]
) -> None:
    log_in(app_client, team["viewer"].email)
    choose(app_client, "fr")
    english = new_client()
    log_in(english, team["owner"].email)
    for _ in range(3):
        french = app_client.get("/admin/")
        plain = english.get("/admin/")
        assert html_lang(french.text)[0] == "fr" and html_lang(plain.text) == ("en", "ltr")
        assert "Your campaigns" in plain.text and "Statut" not in plain.text
    # Error pages of the organizer pages follow the remembered choice as well.
    refused = app_client.get("/admin/campaigns/beta")
    assert refused.status_code == 403 and html_lang(refused.text)[0] == "fr"
    forbidden = "You may not do this here. If you think you should, ask the campaign's owners."
    assert escape(said("fr", forbidden)) in refused.text
    refused = english.get("/admin/users/")
    assert refused.status_code == 403 and html_lang(refused.text)[0] == "en"
    # The public pages never read the organizer's cookie.
    assert html_lang(app_client.get("/c/alpha").text)[0] == "en"


def test_owners_are_told_in_the_language_they_asked_in_whatever_the_signer_speaks(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    log_in(app_client, team["owner"].email)
    choose(app_client, "de")
    post(app_client, "/admin/campaigns/alpha/notifications", {"notify": "on"})
    signer = {"accept-language": "fr"}
    form = organization_form(slug="alpha", organization="Amis du fleuve", email="jo@fleuve.example")
    app_client.post("/c/alpha/sign", data=form, headers=signer)
    deliver_mail(settings)
    [confirm] = smtp_server.to("jo@fleuve.example")
    assert "lang=fr" in confirm_path(confirm), "the signer's mail speaks French"
    app_client.post(confirm_path(confirm), headers=signer)
    deliver_mail(settings)
    [told] = smtp_server.to(team["owner"].email)
    subject = str(told["Subject"])
    title = subject.rpartition(": ")[2]
    waiting = "An organization is waiting for your approval: %(title)s"
    assert subject == said("de", waiting, title=title) != said("en", waiting, title=title)
    assert "Amis du fleuve" in body_of(told)
