"""Confirmation links: deliberate POST, harmless repeats, friendly pages for bad links, and the
neutral response to signing that never reveals whether an address already signed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from signon.app import create_app
from signon.settings import Settings
from tests.support import (
    SmtpSink,
    body_of,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    manage_path,
    organization_form,
)


def sign_and_get_link(client: TestClient, settings: Settings, smtp: SmtpSink, **form: str) -> str:
    client.post("/c/free-them/sign", data=individual_form(**form))
    deliver_mail(settings)
    return confirm_path(smtp.messages[-1])


def total(client: TestClient) -> int:
    return client.get("/api/campaigns/free-them").json()["counts"]["total"]


def test_confirming_twice_is_harmless(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    link = sign_and_get_link(client, settings, smtp_server)
    assert "confirmed" in client.post(link).text
    second = client.post(link)
    assert second.status_code == 200 and "Already confirmed" in second.text
    assert "Already confirmed" in client.get(link).text
    assert total(client) == 1


def test_tampered_tokens_get_a_friendly_page(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    link = sign_and_get_link(client, settings, smtp_server)
    token = link.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    forged = [
        f"{payload}.{stamp}.{flipped}",
        f"{payload}x.{stamp}.{signature}",
        f"{payload}.{stamp}",
        "not-a-token",
        "a" * 500,
        "%00%ff",
    ]
    for bad in forged:
        for response in (client.get(f"/confirm/{bad}"), client.post(f"/confirm/{bad}")):
            assert response.status_code == 400, bad
            assert "This link does not work" in response.text
            assert "sign it again" in response.text
    assert total(client) == 0
    assert client.post(link).status_code == 200 and total(client) == 1


def test_expired_link_offers_a_new_one(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    link = sign_and_get_link(client, settings, smtp_server)
    expired_settings = settings.with_changes(confirm_token_max_age=timedelta(seconds=-1))
    with TestClient(app=create_app(expired_settings), base_url="http://testserver.local") as later:
        page = later.get(link)
        assert page.status_code == 410 and "This link has expired" in page.text
        assert later.post(link).status_code == 410
        assert total(later) == 0
        resent = later.post(f"{link}/resend", follow_redirects=False)
        assert resent.status_code == 303
        assert resent.headers["location"] == "/c/free-them/check-email"
    deliver_mail(settings)
    assert len(smtp_server.messages) == 2
    fresh = confirm_path(smtp_server.messages[-1])
    assert client.post(fresh).status_code == 200
    assert total(client) == 1


def test_repeated_signing_is_neutral_one_row_and_capped(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    responses = []
    for email in ["Ana@Example.org", "ana@example.org", "ANA@EXAMPLE.ORG"]:
        form = individual_form(email=email)
        responses.append(client.post("/c/free-them/sign", data=form, follow_redirects=False))
        deliver_mail(settings)  # in turn: the latest link is for the latest details
    assert {(r.status_code, r.headers["location"], r.text) for r in responses} == {
        (303, "/c/free-them/check-email", "")
    }
    assert len(smtp_server.messages) == 3, "a pending signer gets the link again"
    client.post(confirm_path(smtp_server.messages[-1]))
    assert total(client) == 1

    # Already confirmed: same response, a short "you have already signed" message instead.
    again = client.post("/c/free-them/sign", data=individual_form(), follow_redirects=False)
    assert (again.status_code, again.headers["location"], again.text) == (
        303,
        "/c/free-them/check-email",
        "",
    )
    deliver_mail(settings)
    assert "already signed" in smtp_server.messages[-1]["Subject"]
    assert "/confirm/" not in body_of(smtp_server.messages[-1])

    for _ in range(10):
        client.post("/c/free-them/sign", data=individual_form())
    deliver_mail(settings)
    assert len(smtp_server.to("ana@example.org")) == settings.max_emails_per_signature == 5
    assert total(client) == 1
    assert len(client.get("/api/campaigns/free-them/endorsers").json()["items"]) == 1


def test_a_new_address_and_a_known_one_get_identical_responses(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(email="known@example.org"))
    known = client.post(
        "/c/free-them/sign", data=individual_form(email="known@example.org"), follow_redirects=False
    )
    new = client.post(
        "/c/free-them/sign", data=individual_form(email="new@example.org"), follow_redirects=False
    )
    assert known.status_code == new.status_code == 303
    assert known.text == new.text
    assert known.headers["location"] == new.headers["location"]
    assert sorted(known.headers.keys()) == sorted(new.headers.keys())
    assert "set-cookie" not in known.headers


def test_signing_again_while_pending_corrects_the_details(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(name="Anna Lmia"))
    deliver_mail(settings)
    client.post("/c/free-them/sign", data=individual_form(name="Ana Lima"))
    deliver_mail(settings)
    first_link, second_link = (confirm_path(m) for m in smtp_server.messages)
    assert "The details changed after this link was sent" in client.get(first_link).text
    assert "Ana Lima" in client.get(second_link).text
    client.post(second_link)
    names = [i["name"] for i in client.get("/api/campaigns/free-them/endorsers").json()["items"]]
    assert names == ["Ana Lima"]


def test_a_link_confirms_only_the_details_it_was_sent_for(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    """Someone who knows a signer's address signs again in their name before they confirm,
    asking for the name to be listed: the link the signer was sent confirms nothing now, its
    manage link still withdraws, and the newer link says plainly what it would confirm."""
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(display="private"))
    deliver_mail(settings)
    [own] = smtp_server.messages
    client.post("/c/free-them/sign", data=individual_form(display="public"))
    deliver_mail(settings)
    newer = client.get(confirm_path(smtp_server.messages[-1])).text
    assert "Your name will be listed publicly." in newer

    refused = client.post(confirm_path(own))
    assert refused.status_code == 409 and "This link confirms nothing any more" in refused.text
    assert "The details changed" in client.get(confirm_path(own)).text
    assert client.post(confirm_path(own) + "/resend").status_code < 500
    deliver_mail(settings)
    assert len(smtp_server.messages) == 2, "no new link for the details it was not sent for"
    assert total(client) == 0
    assert client.post(manage_path(own) + "/withdraw").status_code == 200
    assert "This link does not work" in client.get(confirm_path(smtp_server.messages[-1])).text


def test_signing_again_with_the_same_details_keeps_the_first_link_good(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form())
    deliver_mail(settings)
    client.post("/c/free-them/sign", data=individual_form())  # "did it work?"
    client.post("/c/free-them/sign", data=individual_form(email="ANA@example.org"))
    deliver_mail(settings)
    assert client.post(confirm_path(smtp_server.messages[0])).status_code == 200
    assert total(client) == 1


def test_changes_on_the_manage_page_keep_the_confirmation_link_good(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    """Only a submission from the form makes older links stale, not the signer's own changes
    through the manage link of the same email."""
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(display="private", updates="on"))
    deliver_mail(settings)
    [email] = smtp_server.messages
    manage = manage_path(email)
    client.post(manage + "/display", data={"display": "public"})
    client.post(manage + "/unsubscribe")
    assert client.post(confirm_path(email)).status_code == 200
    names = [i["name"] for i in client.get("/api/campaigns/free-them/endorsers").json()["items"]]
    assert total(client) == 1 and names == ["Ana Lima"]


def test_closed_campaign_refuses_signatures(client: TestClient, settings: Settings) -> None:
    make_campaign(settings, status="closed")
    page = client.get("/c/free-them")
    assert page.status_code == 200 and "This campaign is closed" in page.text
    assert 'action="/c/free-them/sign"' not in page.text
    response = client.post("/c/free-them/sign", data=individual_form())
    assert response.status_code == 422 and "no longer takes signatures" in response.text
    assert client.get("/api/campaigns/free-them").json()["status"] == "closed"


def test_form_closes_by_itself_after_the_deadline(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, deadline=datetime.now(UTC) - timedelta(minutes=1))
    assert "This campaign is closed" in client.get("/c/free-them").text
    assert client.post("/c/free-them/sign", data=individual_form()).status_code == 422
    assert client.get("/api/campaigns/free-them").json()["status"] == "closed"
    deliver_mail(settings)
    assert smtp_server.messages == []


def test_confirm_after_the_campaign_closed_still_counts_a_signature_made_in_time(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    from tests.support import run_with_runtime

    make_campaign(settings)
    link = sign_and_get_link(client, settings, smtp_server)
    run_with_runtime(settings, lambda runtime: runtime.campaigns.set_status("free-them", "closed"))
    assert client.post(link).status_code == 200
    assert total(client) == 1


def test_a_confirmed_signature_waiting_for_review_is_not_said_to_count(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, moderate_organizations=True)
    client.post("/c/free-them/sign", data=organization_form())
    client.post("/c/free-them/sign", data=individual_form())
    deliver_mail(settings)
    for message in smtp_server.messages:
        client.post(confirm_path(message))

    held = client.get(confirm_path(smtp_server.to("joan@riverfriends.example.org")[0])).text
    assert "is already confirmed. There is nothing more to do." in held
    assert "counted" not in held and "The organizers review some signatures" in held
    counted = client.get(confirm_path(smtp_server.to("ana@example.org")[0])).text
    assert "is already confirmed and counted." in counted and "organizers review" not in counted
