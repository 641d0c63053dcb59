"""A campaign's own texts in several languages, over HTTP: readers and signers get theirs, marked
for screen readers when it is not the page's language; organizers write them in the admin."""

from __future__ import annotations

import html
import re

from litestar.testing import TestClient

from signon.app import create_app
from signon.services.campaigntexts import TextSpec
from signon.settings import Settings
from tests.admin.conftest import BASE, add_member, create_account, log_in, post
from tests.support import (
    SmtpSink,
    body_of,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    run_with_runtime,
)

FRENCH = TextSpec("fr", "Libérez-les tous", "Nous demandons **justice** maintenant.")
SPANISH = TextSpec("es", "Libertad para todos", "Pedimos *justicia*.", "¡Gracias! Comparte.")


def translate(settings: Settings, spec: TextSpec, slug: str = "free-them") -> None:
    async def add(runtime) -> None:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get(slug)
        await runtime.texts.add(campaign.id, slug, spec)

    run_with_runtime(settings, add)


def titles_of(settings: Settings, slug: str = "free-them") -> dict[str, str]:
    async def read(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get(slug)
        return {t.language: t.title for t in campaign.translations}

    return run_with_runtime(settings, read)


def test_a_french_reader_sees_the_french_title_and_statement(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    translate(settings, FRENCH)
    page = client.get("/c/free-them", headers={"Accept-Language": "fr"}).text
    assert "<h1>Libérez-les tous</h1>" in page, "the page's own language: no lang mark needed"
    assert '<div class="statement"><p>Nous demandons <strong>justice</strong>' in page
    assert "Free them all" not in page and "We call for" not in page
    assert '<meta property="og:title" content="Libérez-les tous">' in page
    assert '<meta name="description" content="Nous demandons justice maintenant.">' in page
    assert "<title>Libérez-les tous</title>" in page
    endorsers = client.get("/c/free-them/endorsers?lang=fr").text
    assert "<bdi>Libérez-les tous</bdi>" in endorsers and "Free them all" not in endorsers
    check = client.get("/c/free-them/check-email?lang=fr").text
    assert "Libérez-les tous" in check
    assert "Free them all" not in check
    counts = client.get("/api/campaigns/free-them", headers={"Accept-Language": "fr"})
    assert counts.json()["title"] == "Libérez-les tous"
    assert counts.headers["vary"] == "Accept-Language"
    assert client.get("/api/campaigns/free-them").json()["title"] == "Free them all"


def test_a_german_reader_sees_the_campaigns_own_text_marked_as_english(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    translate(settings, FRENCH)
    page = client.get("/c/free-them", headers={"Accept-Language": "de"}).text
    assert '<html lang="de" dir="ltr">' in page
    assert '<h1 lang="en">Free them all</h1>' in page
    assert '<div class="statement" lang="en"><p>We call for <strong>justice</strong>' in page
    endorsers = client.get("/c/free-them/endorsers?lang=de").text
    assert '<bdi lang="en">Free them all</bdi>' in endorsers
    check = client.get("/c/free-them/check-email?lang=de").text
    assert '<span lang="en">Free them all</span>' in check
    # On a right-to-left page, the English text also keeps its own direction.
    arabic = client.get("/c/free-them?lang=ar").text
    assert '<h1 lang="en" dir="ltr">Free them all</h1>' in arabic
    untranslated = client.get("/api/campaigns/free-them?lang=de")
    assert untranslated.json()["title"] == "Free them all"


def test_an_untranslated_campaign_varies_by_nothing(client: TestClient, settings: Settings) -> None:
    make_campaign(settings)
    counts = client.get("/api/campaigns/free-them", headers={"Accept-Language": "fr"})
    assert counts.json()["title"] == "Free them all" and "vary" not in counts.headers


def test_a_spanish_signer_gets_the_spanish_title_by_mail_and_the_thank_you_text(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, thank_you_md="Thank you, **really**.")
    translate(settings, SPANISH)
    client.post("/c/free-them/sign?lang=es", data=individual_form())
    deliver_mail(settings)
    [mail] = smtp_server.messages
    assert "Libertad para todos" in mail["Subject"] and "Free them all" not in mail["Subject"]
    assert "Libertad para todos" in body_of(mail) and "Free them all" not in body_of(mail)
    ready = client.get(confirm_path(mail)).text
    assert "Libertad para todos" in ready and "¡Gracias!" not in ready
    done = client.post(confirm_path(mail)).text
    assert '<html lang="es"' in done and "Libertad para todos" in done
    assert '<div class="statement thank-you"><p>¡Gracias! Comparte.</p>' in done
    assert "Thank you, <strong>really</strong>" not in done
    share = html.unescape(re.search(r'href="(https://wa\.me/[^"]+)"', done)[1])  # type: ignore[index]
    assert "Libertad" in share.replace("+", " ")


def test_a_signer_without_a_translation_gets_the_own_thank_you_text_marked(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, thank_you_md="Thank you, **really**.")
    translate(settings, FRENCH)  # no thank-you text in French
    client.post("/c/free-them/sign?lang=nl", data=individual_form())
    deliver_mail(settings)
    done = client.post(confirm_path(smtp_server.messages[0])).text
    assert '<span lang="en">Free them all</span>' in done
    assert '<div class="statement thank-you" lang="en"><p>Thank you, <strong>really' in done
    client.post("/c/free-them/sign?lang=fr", data=individual_form(email="fr@example.org"))
    deliver_mail(settings)
    french = client.post(confirm_path(smtp_server.to("fr@example.org")[0])).text
    assert "Libérez-les tous" in french
    assert '<div class="statement thank-you" lang="en">' in french, "the own text, marked"


def test_the_held_page_shows_a_saved_translation_at_once(settings: Settings) -> None:
    cached = settings.with_changes(page_cache_seconds=60)
    make_campaign(cached)
    owner = create_account(cached, "owner@example.org")
    add_member(cached, "free-them", owner, "owner")
    with TestClient(app=create_app(cached), base_url=BASE) as client:
        assert '<h1 lang="en">Free them all</h1>' in client.get("/c/free-them?lang=fr").text
        assert client.get("/api/campaigns/free-them?lang=fr").json()["title"] == "Free them all"
        log_in(client, owner.email)
        form = {"language": "fr", "title": "Libérez-les tous", "statement_md": "Justice."}
        assert post(client, "/admin/campaigns/free-them/texts/new", form).status_code == 303
        assert "<h1>Libérez-les tous</h1>" in client.get("/c/free-them?lang=fr").text
        assert client.get("/api/campaigns/free-them?lang=fr").json()["title"] == (
            "Libérez-les tous"
        )
        changed = {"title": "Libérez-les", "statement_md": "Justice."}
        assert post(client, "/admin/campaigns/free-them/texts/fr", changed).status_code == 303
        assert "<h1>Libérez-les</h1>" in client.get("/c/free-them?lang=fr").text
        assert post(client, "/admin/campaigns/free-them/texts/fr/remove").status_code == 303
        assert '<h1 lang="en">Free them all</h1>' in client.get("/c/free-them?lang=fr").text
