"""Organizers write a campaign's texts in more languages: add, edit, remove, with errors beside
their fields; viewers cannot, and every form needs its CSRF token."""

from __future__ import annotations

from litestar.testing import TestClient

from signon.app import create_app
from signon.settings import Settings
from tests.admin.conftest import BASE, add_member, create_account, csrf_token, log_in, post
from tests.http.test_campaign_texts import FRENCH, titles_of, translate
from tests.support import SmtpSink, confirm_path, deliver_mail, individual_form, make_campaign

# What a screen reader hears before each field's error (hidden from sight).
HIDDEN_ERROR = '<span class="visually-hidden">Error: </span>'


def test_organizers_add_edit_and_remove_a_translation(
    app_client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    editor = create_account(settings, "editor@example.org")
    add_member(settings, "free-them", editor, "editor")
    log_in(app_client, editor.email)
    overview = app_client.get("/admin/campaigns/free-them").text
    assert "No translation yet." in overview and "/admin/campaigns/free-them/texts/new" in overview
    new = app_client.get("/admin/campaigns/free-them/texts/new").text
    assert '<option value="fr" lang="fr">Français</option>' in new
    assert 'value="en"' not in new.split('id="language"')[1].split("</select>")[0]

    form = {
        "language": "fr",
        "title": "",
        "statement_md": "Texte **gras**",
        "thank_you_md": "Merci",
    }
    missing = post(app_client, "/admin/campaigns/free-them/texts/new", form)
    assert missing.status_code == 422
    assert f'id="title-error">{HIDDEN_ERROR}A title of 1 to 200 characters.' in missing.text
    # Above the form, focused as the page loads: each error links to its field's message.
    summary = missing.text.split('<div class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in summary and "autofocus" in summary
    assert '<a href="#title-error">A title of 1 to 200 characters.</a>' in summary
    assert "Texte **gras**</textarea>" in missing.text and "Merci</textarea>" in missing.text
    assert '<option value="fr" lang="fr" selected>' in missing.text

    asked = {**form, "title": "Libérez-les", "action": "preview"}
    preview = post(app_client, "/admin/campaigns/free-them/texts/new", asked)
    assert preview.status_code == 200 and titles_of(settings) == {}, "a preview saves nothing"
    assert '<div class="statement" lang="fr"><p>Texte <strong>gras</strong>' in preview.text
    assert '<div class="statement thank-you" lang="fr"><p>Merci</p>' in preview.text

    saved = post(app_client, "/admin/campaigns/free-them/texts/new", {**form, "title": "Libérez"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("#translations")
    assert titles_of(settings) == {"fr": "Libérez"}
    again = post(app_client, "/admin/campaigns/free-them/texts/new", {**form, "title": "Bis"})
    assert again.status_code == 422
    already = "There is already a translation into Français."
    assert f'id="language-error">{HIDDEN_ERROR}{already}' in again.text
    own_language = {**form, "title": "Free", "language": "en"}
    own = post(app_client, "/admin/campaigns/free-them/texts/new", own_language)
    assert own.status_code == 422 and "written in this language" in own.text

    overview = app_client.get("/admin/campaigns/free-them").text
    assert '<td lang="fr" dir="ltr">Libérez</td>' in overview
    edit = app_client.get("/admin/campaigns/free-them/texts/fr")
    assert edit.status_code == 200 and 'value="Libérez"' in edit.text
    changed = {"title": "Libérez-les", "statement_md": "Justice.", "language": "de"}
    assert post(app_client, "/admin/campaigns/free-them/texts/fr", changed).status_code == 303
    assert titles_of(settings) == {"fr": "Libérez-les"}, "the address names the language"
    assert app_client.get("/admin/campaigns/free-them/texts/de").status_code == 404
    assert post(app_client, "/admin/campaigns/free-them/texts/fr/remove").status_code == 303
    assert titles_of(settings) == {}
    assert post(app_client, "/admin/campaigns/free-them/texts/fr/remove").status_code == 404


def test_a_viewer_cannot_touch_translations_and_forms_need_their_csrf_token(
    app_client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    translate(settings, FRENCH)
    viewer = create_account(settings, "viewer@example.org")
    add_member(settings, "free-them", viewer, "viewer")
    log_in(app_client, viewer.email)
    overview = app_client.get("/admin/campaigns/free-them").text
    assert "Libérez-les tous" in overview
    assert "/texts/fr/remove" not in overview and "/texts/new" not in overview
    assert app_client.get("/admin/campaigns/free-them/texts/fr").status_code == 403
    form = {"title": "Piraté", "statement_md": "Piraté"}
    assert post(app_client, "/admin/campaigns/free-them/texts/fr", form).status_code == 403
    assert post(app_client, "/admin/campaigns/free-them/texts/fr/remove").status_code == 403
    new = {"language": "de", **form}
    assert post(app_client, "/admin/campaigns/free-them/texts/new", new).status_code == 403
    assert titles_of(settings) == {"fr": "Libérez-les tous"}

    owner = create_account(settings, "owner@example.org")
    add_member(settings, "free-them", owner, "owner")
    log_in(app_client, owner.email)
    csrf_token(app_client)
    forged = app_client.post(
        "/admin/campaigns/free-them/texts/fr", data=form, follow_redirects=False
    )
    assert forged.status_code == 403
    removal = app_client.post("/admin/campaigns/free-them/texts/fr/remove", follow_redirects=False)
    assert removal.status_code == 403
    assert titles_of(settings) == {"fr": "Libérez-les tous"}


def test_the_edit_form_sets_the_campaigns_language_and_thank_you_text(
    app_client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    translate(settings, FRENCH)
    owner = create_account(settings, "owner@example.org")
    add_member(settings, "free-them", owner, "owner")
    log_in(app_client, owner.email)
    page = app_client.get("/admin/campaigns/free-them/edit").text
    assert '<option value="en" lang="en" selected>English</option>' in page
    form = {
        "title": "Freiheit",
        "statement_md": "Gerechtigkeit.",
        "kind": "petition",
        "name_display": "full",
        "thank_you_md": "Danke <script>x</script>",
    }
    for language, problem in (("xx", "Choose the language"), ("fr", "remove it first")):
        refused = post(
            app_client, "/admin/campaigns/free-them/edit", {**form, "language": language}
        )
        assert refused.status_code == 422 and problem in refused.text
        assert 'id="language-error"' in refused.text and "Danke &lt;script&gt;x" in refused.text
    assert (
        post(app_client, "/admin/campaigns/free-them/edit", {**form, "language": "de"}).status_code
        == 303
    )
    german = TestClient(app=create_app(settings), base_url=BASE)
    with german:
        page = german.get("/c/free-them?lang=de").text
        assert "<h1>Freiheit</h1>" in page
        german.post("/c/free-them/sign?lang=de", data=individual_form())
        deliver_mail(settings)
        done = german.post(confirm_path(smtp_server.messages[0])).text
        assert (
            '<div class="statement thank-you"><p>Danke &lt;script&gt;x&lt;/script&gt;</p>' in done
        )
