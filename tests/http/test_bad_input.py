"""Bad input of every kind: an error beside the field, the input kept, nothing stored, no 500."""

from __future__ import annotations

import html

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from signon.db import Database
from signon.db.models import OutboxMessage, Signature
from signon.settings import Settings
from tests.support import individual_form, make_campaign, organization_form, run_async


def stored_rows(settings: Settings) -> tuple[int, int]:
    async def count() -> tuple[int, int]:
        db = Database(settings.database_url, pool_size=1)
        try:
            async with db.read() as session:
                signatures = await session.scalar(select(func.count()).select_from(Signature))
                mails = await session.scalar(select(func.count()).select_from(OutboxMessage))
                return int(signatures or 0), int(mails or 0)
        finally:
            await db.dispose()

    return run_async(count)


@pytest.fixture
def campaign(settings: Settings) -> None:
    make_campaign(settings)


@pytest.mark.usefixtures("campaign")
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Please enter your name"),
        ({"name": "   "}, "name", "Please enter your name"),
        ({"name": "x" * 121}, "name", "under 120 characters"),
        ({"email": ""}, "email", "Please enter your email"),
        ({"email": "not-an-address"}, "email", "does not look like an email"),
        ({"email": "a@b"}, "email", "does not look like an email"),
        ({"email": "ana@example.org" + "x" * 300}, "email", "does not look like an email"),
        ({"display": ""}, "display", "Please choose whether your name is shown"),
        ({"display": "everyone"}, "display", "Please choose whether your name is shown"),
        ({"signer_type": "robot"}, "signer_type", "as a person or an organization"),
        ({"city": "c" * 101}, "city", "under 100 characters"),
        ({"comment": "c" * 1001}, "comment", "under 1,000 characters"),
        ({"name": "Ana\x00Lima"}, "name", "control characters"),
        ({"name": "Ana\u202eLima"}, "name", "text-direction"),
    ],
)
def test_individual_errors_are_shown_beside_the_field(
    client: TestClient, settings: Settings, changes: dict[str, str], field: str, message: str
) -> None:
    form = individual_form(**changes)
    response = client.post("/c/free-them/sign", data=form)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message in html.unescape(response.text)
    assert stored_rows(settings) == (0, 0)


@pytest.mark.usefixtures("campaign")
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"organization": ""}, "organization"),
        ({"organization": "o" * 161}, "organization"),
        ({"website": "not a website"}, "website"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"role": "r" * 121}, "role"),
    ],
)
def test_organization_errors(
    client: TestClient, settings: Settings, changes: dict[str, str], field: str
) -> None:
    response = client.post("/c/free-them/sign", data=organization_form(**changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert stored_rows(settings) == (0, 0)


@pytest.mark.usefixtures("campaign")
def test_the_input_is_kept_when_the_form_comes_back(client: TestClient) -> None:
    form = individual_form(email="broken", name="Zoë 🌊 O'Brien", comment="Line one\nline two")
    response = client.post("/c/free-them/sign", data=form)
    assert response.status_code == 422
    assert 'value="Zoë 🌊 O&#39;Brien"' in response.text
    assert 'value="broken"' in response.text
    assert 'value="Porto"' in response.text
    assert ">Line one\nline two</textarea>" in response.text
    assert 'value="public" checked' in response.text


@pytest.mark.usefixtures("campaign")
def test_script_and_html_in_every_text_field_are_shown_escaped(client: TestClient) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    form = organization_form(
        name=attack,
        organization=attack,
        role=attack,
        city=attack,
        country=attack,
        comment=attack,
        email=attack,
        website=attack,
    )
    response = client.post("/c/free-them/sign", data=form)
    assert response.status_code == 422
    assert "<script>" not in response.text and "<img" not in response.text
    assert "&lt;script&gt;" in response.text


def test_markup_in_a_confirmed_name_is_listed_as_text(
    client: TestClient, settings: Settings, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    from tests.support import confirm_path, deliver_mail

    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(name='<b onmouseover="x()">Bold</b>'))
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.messages[0]))
    for url in ("/c/free-them", "/c/free-them/endorsers?type=individual"):
        page = client.get(url).text
        assert "<b onmouseover" not in page
        assert "&lt;b onmouseover=&#34;x()&#34;&gt;Bold&lt;/b&gt;" in page
    api = client.get("/api/campaigns/free-them/endorsers?type=individual").json()
    assert api["items"][0]["name"] == '<b onmouseover="x()">Bold</b>'


def test_rtl_and_emoji_names_round_trip(
    client: TestClient, settings: Settings, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    from tests.support import confirm_path, deliver_mail

    make_campaign(settings)
    names = ["نور الهدى", "שָׁלוֹם כהן", "Émilie 🌍✊🏽", "李小龍"]
    for number, name in enumerate(names):
        client.post(
            "/c/free-them/sign", data=individual_form(name=name, email=f"p{number}@example.org")
        )
    deliver_mail(settings)
    for message in smtp_server.messages:
        client.post(confirm_path(message))
    listed = {
        item["name"] for item in client.get("/api/campaigns/free-them/endorsers").json()["items"]
    }
    assert listed == set(names)
    page = client.get("/c/free-them/endorsers?type=individual").text
    assert all(name in page for name in names)


@pytest.mark.usefixtures("campaign")
def test_oversize_body_is_refused(client: TestClient, settings: Settings) -> None:
    response = client.post("/c/free-them/sign", data=individual_form(comment="x" * 100_000))
    assert response.status_code == 413
    assert "too large" in response.text
    assert stored_rows(settings) == (0, 0)


@pytest.mark.usefixtures("campaign")
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"name=%ZZ&email=%",
        b"\xff\xfe\x00garbage",
        b"signer_type=individual&signer_type=organization&name=a&email=a@example.org&display=public",
        b"name=" + b"%00" * 50,
    ],
)
def test_malformed_bodies_never_cause_a_500(
    client: TestClient, settings: Settings, body: bytes
) -> None:
    response = client.post(
        "/c/free-them/sign",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in {400, 422}, response.text
    assert stored_rows(settings) == (0, 0)


@pytest.mark.usefixtures("campaign")
def test_json_body_to_the_form_is_refused_cleanly(client: TestClient) -> None:
    response = client.post("/c/free-them/sign", json=individual_form())
    assert response.status_code in {400, 415, 422}


def test_unknown_campaign(client: TestClient) -> None:
    assert client.get("/c/nothing-here").status_code == 404
    assert client.post("/c/nothing-here/sign", data=individual_form()).status_code == 404
    assert client.get("/c/" + "x" * 500).status_code == 404
    assert "There is nothing at this address" in client.get("/c/nothing-here").text


def test_draft_campaign_is_not_public(client: TestClient, settings: Settings) -> None:
    make_campaign(settings, status="draft")
    assert client.get("/c/free-them").status_code == 404
    assert client.get("/api/campaigns/free-them").status_code == 404
    assert client.post("/c/free-them/sign", data=individual_form()).status_code == 404
    assert stored_rows(settings) == (0, 0)


@pytest.mark.usefixtures("campaign")
@pytest.mark.parametrize(
    "query",
    [
        "type=robots",
        "type=individual&cursor=abc",
        "type=individual&cursor=-1-5",
        "type=individual&cursor=1-99999999999999999999",
        "type=individual&cursor=1795219200000000-7",  # a readable cursor, as they were once
        "type=individual&cursor=" + "A" * 23,
    ],
)
def test_bad_list_queries_are_400_not_500(client: TestClient, query: str) -> None:
    assert client.get(f"/c/free-them/endorsers?{query}").status_code == 400
    api = client.get(f"/api/campaigns/free-them/endorsers?{query}")
    assert api.status_code == 400 and "error" in api.json()


@pytest.mark.usefixtures("campaign")
def test_individuals_only_campaign_refuses_organizations(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, slug="people-only", allow_organizations=False)
    response = client.post("/c/people-only/sign", data=organization_form())
    assert response.status_code == 422
    assert "individuals only" in response.text
    page = client.get("/c/people-only").text
    assert 'name="organization"' not in page
