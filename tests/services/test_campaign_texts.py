"""A campaign's own texts in more languages, at the service level, on the real database."""

from __future__ import annotations

import pytest

from signon import i18n
from signon.forms import SignatureInput
from signon.runtime import Runtime
from signon.services.campaigns import CampaignError, CampaignSpec, CampaignView, LanguageTaken
from signon.services.campaigntexts import TextError, TextSpec
from signon.services.outcomes import ConfirmState
from tests.support import SmtpSink, body_of

pytestmark = pytest.mark.anyio

FRENCH = TextSpec("fr", "Libérez-les tous", "Nous demandons **justice**.", "Merci !")


async def reload(runtime: Runtime, campaign: CampaignView) -> CampaignView:
    found = await runtime.campaigns.get(campaign.slug)
    assert found is not None
    return found


async def test_a_translation_is_added_changed_and_removed(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await runtime.texts.add(campaign.id, campaign.slug, FRENCH)
    french = (await reload(runtime, campaign)).texts("fr")
    assert (french.language, french.title) == ("fr", "Libérez-les tous")
    assert french.statement_html == "<p>Nous demandons <strong>justice</strong>.</p>\n"
    assert french.thank_you_html == "<p>Merci !</p>\n"

    changed = TextSpec("fr", "Libérez-les", "Justice.", "")
    await runtime.texts.change(campaign.id, campaign.slug, changed)
    french = (await reload(runtime, campaign)).texts("fr")
    assert french.title == "Libérez-les" and french.statement_html == "<p>Justice.</p>\n"
    assert french.thank_you_md is None and french.thank_you_html is None

    assert await runtime.texts.remove(campaign.id, campaign.slug, "fr") is True
    after = await reload(runtime, campaign)
    assert after.translations == ()
    assert after.texts("fr").title == "A campaign", "without it, French readers get the own text"
    assert await runtime.texts.remove(campaign.id, campaign.slug, "fr") is False


async def test_readers_get_their_language_else_the_campaigns_own(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await runtime.texts.add(campaign.id, campaign.slug, FRENCH)
    await runtime.texts.add(campaign.id, campaign.slug, TextSpec("ar", "أطلقوا سراحهم", "عدالة"))
    view = await reload(runtime, campaign)
    assert [t.language for t in view.translations] == ["ar", "fr"]
    assert view.texts("ar").title == "أطلقوا سراحهم"
    assert view.texts("de").language == "en" and view.texts("de").title == "A campaign"
    assert view.free_languages() == [("es", "Español"), ("de", "Deutsch"), ("nl", "Nederlands")]
    # The Arabic translation has no thank-you text: the campaign's own (none here) or nothing.
    assert view.thank_you("ar") is None
    assert view.thank_you("fr") == ("<p>Merci !</p>\n", "fr")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (TextSpec("xx", "Title", "Text"), "language"),
        (TextSpec("", "Title", "Text"), "language"),
        (TextSpec("fr", " ", "Text"), "title"),
        (TextSpec("fr", "T" * 201, "Text"), "title"),
        (TextSpec("fr", "Title", "  \n"), "statement_md"),
        (TextSpec("fr", "Title", "x" * 50_001), "statement_md"),
        (TextSpec("fr", "Title", "Text", "x" * 50_001), "thank_you_md"),
    ],
)
async def test_bad_translations_are_refused_and_nothing_is_stored(
    runtime: Runtime, campaign: CampaignView, spec: TextSpec, field: str
) -> None:
    with pytest.raises(TextError) as refused:
        await runtime.texts.add(campaign.id, campaign.slug, spec)
    assert refused.value.field == field
    assert (await reload(runtime, campaign)).translations == ()


async def test_one_translation_per_language_and_none_in_the_campaigns_own(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await runtime.texts.add(campaign.id, campaign.slug, FRENCH)
    with pytest.raises(TextError, match="already a translation into Français"):
        await runtime.texts.add(campaign.id, campaign.slug, TextSpec("fr", "Autre", "Autre"))
    with pytest.raises(TextError, match="written in this language"):
        await runtime.texts.add(campaign.id, campaign.slug, TextSpec("en", "Other", "Other"))
    with pytest.raises(TextError, match="no translation"):
        await runtime.texts.change(campaign.id, campaign.slug, TextSpec("de", "Titel", "Text"))
    view = await reload(runtime, campaign)
    assert [(t.language, t.title) for t in view.translations] == [("fr", "Libérez-les tous")]


async def test_translations_are_sanitised_like_the_statement(
    runtime: Runtime, campaign: CampaignView
) -> None:
    hostile = TextSpec(
        "es",
        "<script>alert(1)</script>",
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        "[sitio](https://example.org) <iframe src=x></iframe>",
    )
    await runtime.texts.add(campaign.id, campaign.slug, hostile)
    spanish = (await reload(runtime, campaign)).texts("es")
    assert "<script" not in spanish.statement_html and "<img" not in spanish.statement_html
    assert 'href="javascript' not in spanish.statement_html
    assert "&lt;script&gt;" in spanish.statement_html  # raw HTML is shown as text
    assert spanish.thank_you_html is not None and "<iframe" not in spanish.thank_you_html
    assert 'rel="noopener noreferrer nofollow"' in spanish.thank_you_html
    assert spanish.title == "<script>alert(1)</script>", "kept as typed: escaped where shown"


async def test_the_campaigns_language_and_thank_you_text(runtime: Runtime) -> None:
    spec = CampaignSpec("fr-c", "Libérez-les", "Texte", language="fr", thank_you_md="*Merci*")
    created = await runtime.campaigns.create(spec)
    assert created.language == "fr" and created.thank_you_html == "<p><em>Merci</em></p>\n"
    with pytest.raises(CampaignError, match="language"):
        await runtime.campaigns.create(CampaignSpec("x-c", "T", "S", language="klingon"))
    await runtime.texts.add(created.id, created.slug, TextSpec("en", "Free them", "Text"))
    with pytest.raises(LanguageTaken):
        await runtime.campaigns.update(created.slug, CampaignSpec("fr-c", "T", "S", language="en"))
    unchanged = await runtime.campaigns.get("fr-c")
    assert unchanged is not None and (unchanged.language, unchanged.title) == ("fr", "Libérez-les")
    edited = await runtime.campaigns.update(
        created.slug, CampaignSpec("fr-c", "Libérez-les", "Texte", language="de")
    )
    assert edited.language == "de" and edited.thank_you_html is None
    assert [t.language for t in edited.translations] == ["en"]


async def test_a_signers_mail_and_confirmation_speak_their_language(
    runtime: Runtime, campaign: CampaignView, smtp_server: SmtpSink
) -> None:
    await runtime.texts.add(
        campaign.id, campaign.slug, TextSpec("es", "Libertad para todos", "Texto", "¡Gracias!")
    )
    view = await reload(runtime, campaign)
    signer = SignatureInput("individual", "Ana", "ana@example.org", "public", False)
    with i18n.using("es"):
        await runtime.signatures.sign(view, signer)
    await runtime.mail_worker.drain()
    [mail] = smtp_server.to("ana@example.org")
    assert "Libertad para todos" in mail["Subject"] and "Libertad para todos" in body_of(mail)
    token = body_of(mail).split("/confirm/")[1].split("?")[0].split()[0]
    ready = await runtime.signatures.describe(token)
    assert ready.state is ConfirmState.READY
    assert (ready.campaign_title, ready.title_language) == ("Libertad para todos", "es")
    done = await runtime.signatures.confirm(token)
    assert done.state is ConfirmState.CONFIRMED
    assert (done.thank_you_html, done.thank_you_language) == ("<p>¡Gracias!</p>\n", "es")
