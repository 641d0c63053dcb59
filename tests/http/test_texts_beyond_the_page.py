"""The organizers' translations reach beyond the campaign page: the embeds, the delivery letter
(page and PDF) and the signer's manage page show the reader's texts, marked when they are not in
the page's language."""

from __future__ import annotations

from litestar.testing import TestClient

from signon.settings import Settings
from tests.http.test_campaign_texts import FRENCH, SPANISH, translate
from tests.http.test_letter import pdf_text
from tests.http.test_privacy import manage_path
from tests.support import SmtpSink, deliver_mail, individual_form, make_campaign


def test_a_french_reader_of_the_embeds_sees_the_french_title(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    translate(settings, FRENCH)
    form = client.get("/embed/free-them/form", headers={"Accept-Language": "fr"}).text
    assert "<title>Libérez-les tous</title>" in form
    assert '<h1><a href="/c/free-them?lang=fr" target="_blank">Libérez-les tous</a></h1>' in form
    counter = client.get("/embed/free-them/counter?lang=fr").text
    assert "Libérez-les tous</a></p>" in counter
    check = client.get("/embed/free-them/check-email?lang=fr").text
    assert " · Libérez-les tous</title>" in check and "«\u00a0Libérez-les tous\u00a0»" in check
    errors = client.post("/embed/free-them/sign?lang=fr", data=individual_form(email="nope"))
    assert errors.status_code == 422 and "Libérez-les tous" in errors.text
    for page in (form, counter, check, errors.text):
        assert "Free them all" not in page


def test_a_reader_without_a_translation_gets_the_own_title_marked_in_the_embeds(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    translate(settings, FRENCH)
    form = client.get("/embed/free-them/form?lang=ar").text
    assert '<h1 lang="en" dir="ltr"><a' in form and "Libérez-les tous" not in form
    counter = client.get("/embed/free-them/counter?lang=de").text
    assert '<p class="embed-title" lang="en"><a' in counter
    check = client.get("/embed/free-them/check-email?lang=de").text
    assert '<span lang="en">Free them all</span>' in check


def test_the_letter_page_and_pdf_carry_the_readers_texts(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    translate(settings, FRENCH)
    page = client.get("/c/free-them/letter?lang=fr").text
    assert "<h1>Libérez-les tous</h1>" in page
    assert '<div class="statement"><p>Nous demandons <strong>justice</strong>' in page
    assert "← Libérez-les tous</a>" in page and "Libérez-les tous</title>" in page
    assert "Free them all" not in page and "We call for" not in page
    _, text = pdf_text(client.get("/c/free-them/letter.pdf?lang=fr").content)
    assert "Libérez-les tous" in text and "Nous demandons" in text
    assert "Free them all" not in text
    german = client.get("/c/free-them/letter?lang=de").text
    assert '<h1 lang="en">Free them all</h1>' in german
    assert '<div class="statement" lang="en"><p>We call for' in german
    assert '← <span lang="en">Free them all</span></a>' in german


def test_the_manage_page_shows_the_title_in_the_signers_language(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    translate(settings, SPANISH)
    client.post("/c/free-them/sign?lang=es", data=individual_form())
    client.post("/c/free-them/sign?lang=nl", data=individual_form(email="nl@example.org"))
    deliver_mail(settings)
    spanish = manage_path(smtp_server.to("ana@example.org")[0])
    page = client.get(spanish + "?lang=es").text
    assert ">Libertad para todos</a>" in page and "Free them all" not in page
    read_in_english = client.get(spanish + "?lang=en").text
    assert '<span lang="es">Libertad para todos</span>' in read_in_english
    dutch = client.get(manage_path(smtp_server.to("nl@example.org")[0]) + "?lang=nl").text
    assert '<span lang="en">Free them all</span>' in dutch and "Libertad" not in dutch
