"""The whole loop over HTTP with a real SMTP server: sign, receive, confirm, be listed, counted."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from signon.settings import Settings
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    organization_form,
)


def counts(client: TestClient, slug: str = "free-them") -> dict[str, int]:
    response = client.get(f"/api/campaigns/{slug}")
    assert response.status_code == 200
    return response.json()["counts"]


def endorsers(client: TestClient, kind: str, slug: str = "free-them") -> list[dict[str, str]]:
    response = client.get(f"/api/campaigns/{slug}/endorsers", params={"type": kind})
    assert response.status_code == 200
    return response.json()["items"]


def test_individual_signs_confirms_and_is_listed(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    page = client.get("/c/free-them")
    assert page.status_code == 200
    assert "Free them all" in page.text and "<strong>justice</strong>" in page.text

    response = client.post("/c/free-them/sign", data=individual_form(), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/c/free-them/check-email"
    assert "Check your email" in client.get(response.headers["location"]).text
    assert counts(client) == {"individuals": 0, "organizations": 0, "total": 0}

    assert deliver_mail(settings).sent == 1
    [message] = smtp_server.to("ana@example.org")
    assert "Free them all" in message["Subject"]
    link = confirm_path(message)

    confirm_page = client.get(link)
    assert confirm_page.status_code == 200
    assert "Ana Lima" in confirm_page.text and 'method="post"' in confirm_page.text
    assert counts(client) == {"individuals": 0, "organizations": 0, "total": 0}, (
        "GET confirms nothing"
    )

    confirmed = client.post(link)
    assert confirmed.status_code == 200 and "confirmed" in confirmed.text
    assert counts(client) == {"individuals": 1, "organizations": 0, "total": 1}
    assert endorsers(client, "individual") == [
        {"type": "individual", "name": "Ana Lima", "place": "Porto, Portugal"}
    ]
    campaign_page = client.get("/c/free-them").text
    assert "Ana Lima" in campaign_page and "ana@example.org" not in campaign_page
    assert "Ana Lima" in client.get("/c/free-them/endorsers?type=individual").text


def test_organization_signs_and_only_the_organization_is_public(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    response = client.post("/c/free-them/sign", data=organization_form(), follow_redirects=False)
    assert response.status_code == 303
    deliver_mail(settings)
    [message] = smtp_server.to("joan@riverfriends.example.org")
    link = confirm_path(message)
    assert "Friends of the River" in client.get(link).text
    client.post(link)

    assert counts(client) == {"individuals": 0, "organizations": 1, "total": 1}
    assert endorsers(client, "organization") == [
        {
            "type": "organization",
            "name": "Friends of the River",
            "website": "https://riverfriends.example.org",
        }
    ]
    assert endorsers(client, "individual") == []
    for url in (
        "/c/free-them",
        "/c/free-them/endorsers?type=organization",
        "/api/campaigns/free-them/endorsers?type=organization",
    ):
        text = client.get(url).text
        assert "Friends of the River" in text
        assert "Joan Contact" not in text and "joan@" not in text and "Coordinator" not in text


def test_private_signer_is_counted_but_never_named(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(display="private", name="Quiet Person"))
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.messages[0]))
    assert counts(client)["individuals"] == 1
    assert endorsers(client, "individual") == []
    for url in ("/c/free-them", "/c/free-them/endorsers?type=individual"):
        assert "Quiet Person" not in client.get(url).text


def test_organizations_come_first_on_the_campaign_page(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form())
    client.post("/c/free-them/sign", data=organization_form())
    deliver_mail(settings)
    for message in smtp_server.messages:
        client.post(confirm_path(message))
    page = client.get("/c/free-them").text
    assert page.index("Friends of the River") < page.index("Ana Lima")


def test_campaign_json_matches_the_public_contract(client: TestClient, settings: Settings) -> None:
    make_campaign(settings, goal=500)
    assert client.get("/api/campaigns/free-them").json() == {
        "slug": "free-them",
        "title": "Free them all",
        "status": "open",
        "goal": 500,
        "first_goal": 500,
        "deadline": None,
        "counts": {"individuals": 0, "organizations": 0, "total": 0},
    }
    assert client.get("/api/campaigns/nope").status_code == 404


def test_count_json_can_be_cached_briefly_and_revalidated(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    first = client.get("/api/campaigns/free-them")
    assert first.headers["cache-control"] == "public, max-age=1"
    etag = first.headers["etag"]
    unchanged = client.get("/api/campaigns/free-them", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    client.post("/c/free-them/sign", data=individual_form())
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.messages[0]))
    changed = client.get("/api/campaigns/free-them", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["counts"]["total"] == 1


def test_public_page_data_is_held_for_the_cache_period(
    settings: Settings, smtp_server: SmtpSink
) -> None:
    import time

    from signon.app import create_app

    ttl = 3.0
    cached = settings.with_changes(page_cache_seconds=ttl)
    make_campaign(cached)
    with TestClient(app=create_app(cached), base_url="http://testserver.local") as client:
        assert counts(client)["total"] == 0
        loaded = time.monotonic()
        client.post("/c/free-them/sign", data=individual_form())
        deliver_mail(cached)
        client.post(confirm_path(smtp_server.messages[0]))
        stale = counts(client)["total"]
        if time.monotonic() - loaded < ttl * 0.8:  # a slow machine may take longer than the ttl
            assert stale == 0, "served from memory for up to the cache period"
        # The full list is read afresh (its first page costs what a deep one does).
        assert "Ana Lima" in client.get("/c/free-them/endorsers?type=individual").text
        time.sleep(max(0.0, loaded + ttl + 0.1 - time.monotonic()))
        assert counts(client)["total"] == 1
        assert "Ana Lima" in client.get("/c/free-them").text


def test_every_visitor_of_a_held_campaign_page_gets_a_form_of_their_own(
    settings: Settings,
) -> None:
    from signon.app import create_app

    cached = settings.with_changes(page_cache_seconds=60)
    make_campaign(cached)
    with TestClient(app=create_app(cached), base_url="http://testserver.local") as client:
        pages = [client.get("/c/free-them").text for _ in range(3)]
    tokens = {re.search(r'name="form_token" value="([^"]+)"', page)[1] for page in pages}  # type: ignore[index]
    puzzles = {re.search(r'data-pow-challenge="([^"]+)"', page)[1] for page in pages}  # type: ignore[index]
    assert len(tokens) == len(puzzles) == 3
    assert "signon-token-" not in pages[0] and "signon-challenge-" not in pages[0]
    assert {re.sub(r'(value|data-pow-challenge)="[^"]+"', "", page) for page in pages} == {
        re.sub(r'(value|data-pow-challenge)="[^"]+"', "", pages[0])
    }
