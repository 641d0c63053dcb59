"""Languages over HTTP: chosen by the URL, then the browser; kept across pages, forms and
mail; right-to-left for Arabic; numbers in the reader's style."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote_plus

from litestar.testing import TestClient

from signon.settings import Settings
from signon.tokens import ManageTokens
from tests.support import (
    SmtpSink,
    body_of,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    organization_form,
)


def test_arabic_from_the_url_is_right_to_left_with_a_switcher(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, goal=10000)
    page = client.get("/c/free-them?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "وقِّع" in page or "وقع" in page  # the Sign button, in Arabic
    assert "Free them all" in page  # the campaign's own text is as its organizers wrote it
    for code in ("en", "fr", "es", "de", "nl", "ar"):
        assert f'href="/c/free-them?lang={code}"' in page
    assert 'aria-current="true">العربية' in page


def test_the_browser_preference_is_used_when_the_url_names_no_language(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, goal=10000)
    french = client.get("/c/free-them", headers={"Accept-Language": "fr-CH, de;q=0.5"}).text
    assert '<html lang="fr" dir="ltr">' in french and "Signer" in french
    assert "10\u202f000" in french or "10\u00a0000" in french  # numbers in French style
    german = client.get("/c/free-them", headers={"Accept-Language": "it, de;q=0.9"}).text
    assert '<html lang="de"' in german and "10.000" in german
    unknown = client.get("/c/free-them", headers={"Accept-Language": "tlh, xx;q=0.2"}).text
    assert '<html lang="en"' in unknown and "10,000" in unknown
    chosen = client.get("/c/free-them?lang=nl", headers={"Accept-Language": "fr"}).text
    assert '<html lang="nl"' in chosen, "the URL wins: a shared link keeps its language"


def test_a_signer_keeps_their_language_through_the_form_the_mail_and_the_confirmation(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    page = client.get("/c/free-them?lang=es").text
    assert 'action="/c/free-them/sign?lang=es"' in page
    bad = client.post("/c/free-them/sign?lang=es", data=individual_form(email="not-an-address"))
    assert bad.status_code == 422 and '<html lang="es"' in bad.text
    assert "Please" not in re.sub(r"<[^>]+>", "", bad.text.split("<form")[1]).split("Firmar")[0]

    response = client.post(
        "/c/free-them/sign?lang=es", data=individual_form(), follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/c/free-them/check-email?lang=es"
    deliver_mail(settings)
    [message] = smtp_server.messages
    assert "Free them all" in message["Subject"] and "Please" not in message["Subject"]
    assert "Hola" in body_of(message)
    confirm = client.get(confirm_path(message)).text
    assert confirm_path(message).endswith("?lang=es") or '<html lang="es"' in confirm


def test_error_pages_speak_the_readers_language(client: TestClient) -> None:
    missing = client.get("/nowhere", headers={"Accept-Language": "de"})
    assert missing.status_code == 404 and '<html lang="de"' in missing.text
    assert "There is nothing at this address." not in missing.text
    api = client.get("/api/campaigns/nowhere?lang=fr")
    assert api.status_code == 404 and api.json()["error"] != "There is nothing at this address."


def test_the_switcher_keeps_only_what_chooses_the_page(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    page = client.get("/c/free-them?lang=fr&utm_source=x%22%3E&type=organization&cursor=zz").text
    assert "utm_source" not in page
    assert "cursor=zz" not in page and "type=organization&amp;lang" not in page
    listing = client.get("/c/free-them/endorsers?type=organization&lang=de").text
    assert 'href="/c/free-them/endorsers?type=organization&amp;lang=nl"' in listing


def test_the_thank_you_page_invites_sharing_with_plain_links_only(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign?lang=fr", data=individual_form())
    deliver_mail(settings)
    thanks = client.post(confirm_path(smtp_server.messages[0])).text
    share = thanks.split('<section class="share"')[1].split("</section>")[0]
    assert "http://testserver.local/c/free-them?lang=fr" in share
    assert "mailto:?subject=Free%20them%20all" in share and "https://wa.me/?text=" in share
    assert "<script" not in thanks and "<iframe" not in thanks and "<img" not in thanks
    assert "Signerez-vous aussi ?" in unquote_plus(html.unescape(share)), "in the signer's language"


def test_link_previews_get_a_text_card_from_the_page_itself(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, statement_md="We call for **justice** & <b>freedom</b>. " * 20)
    page = client.get("/c/free-them?lang=nl").text
    assert '<meta property="og:title" content="Free them all">' in page
    assert '<meta property="og:url" content="http://testserver.local/c/free-them?lang=nl">' in page
    assert '<meta property="og:locale" content="nl">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    description = re.search(r'<meta property="og:description" content="([^"]*)">', page)
    assert description and description[1].startswith("We call for justice &amp;")
    assert len(html.unescape(description[1])) <= 201 and "<b>" not in description[1]
    assert "og:image" not in page  # nothing for a preview to fetch from elsewhere


def test_summary_is_plain_text_cut_at_a_word() -> None:
    from signon.web.sharing import summary

    assert summary("<p>Short &amp; <em>clear</em>.</p>") == "Short & clear."
    long = summary("<p>" + "word " * 100 + "</p>", limit=22)
    assert long == "word word word word…"


def test_each_signer_thanked_gets_their_own_manage_link_and_nothing_of_anyone_else(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    """The thank-you page is rendered once per campaign and language and filled in with each
    signer's own manage link: it must never show one signer another's link or details."""
    make_campaign(settings, moderate_organizations=True)
    client.post("/c/free-them/sign", data=individual_form())
    client.post("/c/free-them/sign", data=organization_form())
    deliver_mail(settings)
    by_address = {str(m["To"]): m for m in smtp_server.messages}
    manage = ManageTokens(settings.secret_key)  # its links carry the time they were issued
    pages, nonces = {}, {}
    for address in ("ana@example.org", "joan@riverfriends.example.org"):
        message = by_address[address]
        response = client.post(confirm_path(message))
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/html"
        )
        mailed = re.search(r"/manage/([A-Za-z0-9_.\-]+)", body_of(message))
        shown = re.search(r'href="/manage/([^"?]+)', response.text)
        assert mailed and shown and manage.check(shown[1]) == manage.check(mailed[1]) is not None
        pages[address], nonces[address] = response.text, manage.check(shown[1])
    ana, joan = pages["ana@example.org"], pages["joan@riverfriends.example.org"]
    assert nonces["ana@example.org"] != nonces["joan@riverfriends.example.org"]
    tokens = [confirm_path(by_address[a]).rsplit("/", 1)[1] for a in pages]
    for page in (ana, joan):
        assert not any(token in page for token in tokens), "no confirm link is kept in it"
        assert "Ana Lima" not in page and "Joan Contact" not in page
        assert "Friends of the River" not in page and "signon-slot" not in page
    # The organization waits for review and is told so; the individual is not.
    assert "review some signatures" in joan and "review some signatures" not in ana
    assert "Thank you: your signature is confirmed" in ana
    again = client.post(confirm_path(by_address["ana@example.org"])).text
    assert "Already confirmed" in again
