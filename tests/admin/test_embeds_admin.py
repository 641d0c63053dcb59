"""Organizers choose which sites may embed a campaign, copy the embed code, preview it, and see
where each signature came from in the export and the moderation queue."""

from __future__ import annotations

import csv
import html
import io
import re

from litestar.testing import TestClient

from signon.settings import Settings
from tests.admin.conftest import Account, log_in, post
from tests.support import SmtpSink, confirm_path, deliver_mail, individual_form

EDIT = "/admin/campaigns/alpha/edit"
FORM = {
    "title": "Alpha",
    "statement_md": "We ask.",
    "kind": "petition",
    "name_display": "full",
    "language": "en",
}


def framers(client: TestClient, path: str = "/embed/alpha/form") -> str:
    policy = client.get(path).headers["content-security-policy"]
    return policy.rsplit("frame-ancestors ", 1)[1]


def test_bad_origin_lines_are_refused_beside_the_field_with_the_input_kept(
    app_client: TestClient, team: dict[str, Account]
) -> None:
    log_in(app_client, team["editor"].email)
    for bad in (
        "https://partner.example/petition",
        "partner.example",
        "https://partner.example?x=1",
        "ftp://partner.example",
        "https://user@partner.example",
        "https://*.partner.example",
        "https://partner.example:99999",
        "https://[::1]:8000",
    ):
        lines = f"https://good.example\n{bad}"
        response = post(app_client, EDIT, {**FORM, "embed_origins": lines})
        assert response.status_code == 422, bad
        page = response.text
        assert 'id="embed_origins-error"' in page, bad
        assert "Line 2" in page, bad
        assert f">{html.escape(lines)}</textarea>" in page, "the input is kept"
        assert 'name="title" type="text" value="Alpha"' in page
    assert framers(app_client) == "'self'", "nothing was saved"


def test_listed_origins_are_saved_tidied_and_decide_who_may_frame(
    app_client: TestClient, team: dict[str, Account]
) -> None:
    log_in(app_client, team["editor"].email)
    lines = "  HTTPS://Partner.Example/ \n\nhttp://127.0.0.1:8123\nhttps://partner.example:443"
    assert post(app_client, EDIT, {**FORM, "embed_origins": lines}).status_code == 303
    assert framers(app_client) == "'self' https://partner.example http://127.0.0.1:8123"
    edit_page = app_client.get(EDIT).text
    assert ">https://partner.example\nhttp://127.0.0.1:8123</textarea>" in edit_page
    assert post(app_client, EDIT, {**FORM, "embed_anywhere": "on"}).status_code == 303
    assert framers(app_client, "/embed/alpha/counter") == "*"
    assert 'name="embed_anywhere" value="on" checked' in app_client.get(EDIT).text


def test_the_campaign_page_gives_the_embed_code_and_a_preview(
    app_client: TestClient, settings: Settings, team: dict[str, Account]
) -> None:
    log_in(app_client, team["viewer"].email)
    page = app_client.get("/admin/campaigns/alpha").text
    codes = [html.unescape(code) for code in re.findall(r"readonly>([^<]*)</textarea>", page)]
    assert codes == [
        f'<iframe src="{settings.base_url}/embed/alpha/form" title="Free them all: sign" '
        'width="400" height="900" loading="lazy" style="border: 0; max-width: 100%;"></iframe>',
        f'<iframe src="{settings.base_url}/embed/alpha/counter" '
        'title="Free them all: signatures so far" width="400" height="170" loading="lazy" '
        'style="border: 0; max-width: 100%;"></iframe>',
    ]
    assert '<iframe class="embed-preview form" src="/embed/alpha/form"' in page
    assert '<iframe class="embed-preview counter" src="/embed/alpha/counter"' in page
    # The organizer's page may frame the site's own pages; the embeds allow the site itself.
    assert (
        "frame-src 'self'"
        in app_client.get("/admin/campaigns/alpha").headers["content-security-policy"]
    )
    assert framers(app_client) == "'self'"


def test_the_export_and_the_queue_say_where_each_signature_came_from(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    log_in(app_client, team["owner"].email)
    lines = "https://partner.example"
    assert post(app_client, EDIT, {**FORM, "embed_origins": lines}).status_code == 303
    app_client.post("/c/alpha/sign", data=individual_form("alpha", email="page@example.org"))
    app_client.post(
        "/embed/alpha/sign",
        data=individual_form(
            "alpha", email="embed@example.org", embed_origin="https://partner.example"
        ),
    )
    deliver_mail(settings)
    for address in ("page@example.org", "embed@example.org"):
        app_client.post(confirm_path(smtp_server.to(address)[0]))
    export = app_client.get("/admin/campaigns/alpha/export.csv").text
    rows = {row["email"]: row["source"] for row in csv.DictReader(io.StringIO(export))}
    assert rows == {
        "page@example.org": "page",
        "embed@example.org": "embed:https://partner.example",
    }
    queue = app_client.get("/admin/campaigns/alpha/moderation?view=individuals").text
    assert 'the embedded form on <span dir="ltr">https://partner.example</span>' in queue
