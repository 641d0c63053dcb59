"""Personal data at rest and the signer's own controls, over HTTP from real received mail."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from signon.db.models import Base
from signon.settings import Settings
from tests.support import (
    SmtpSink,
    body_of,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    organization_form,
    run_with_runtime,
)

MANAGE_LINK = re.compile(r"https?://\S+(/manage/[A-Za-z0-9_.\-]+)")


def manage_path(message) -> str:  # type: ignore[no-untyped-def]
    match = MANAGE_LINK.search(body_of(message))
    assert match, body_of(message)
    return match[1]


def database_text(settings: Settings) -> str:
    """Everything the database holds, as text: the SQLite files' bytes, or PostgreSQL's rows."""
    if settings.database_url.startswith("sqlite"):
        path = Path(settings.database_url.split("///", 1)[1])
        files = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
        return b"".join(f.read_bytes() for f in files if f.exists()).decode("latin-1")

    async def dump(runtime) -> str:  # type: ignore[no-untyped-def]
        async with runtime.db.read() as session:
            chunks = []
            for table in Base.metadata.sorted_tables:
                rows = await session.execute(text(f"SELECT t::text FROM {table.name} t"))
                chunks.extend(row[0] for row in rows)
            return "\n".join(chunks)

    return run_with_runtime(settings, dump)


def test_no_email_address_or_private_detail_is_stored_in_clear(
    client: TestClient, settings: Settings, smtp_server: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    make_campaign(settings)
    smtp_server.refuse("refused.person@example.org")  # its refusal quotes the address
    people = {
        "public.person@example.org": individual_form(email="public.person@example.org"),
        "private.person@example.org": individual_form(
            email="private.person@example.org",
            name="Secret Quietname",
            display="private",
            comment="my private reason",
        ),
        "contact@tenants.example.org": organization_form(
            email="contact@tenants.example.org", name="Hidden Contactperson", role="Treasurer"
        ),
        "pending.person@example.org": individual_form(email="pending.person@example.org"),
        "withdrawn.person@example.org": individual_form(email="withdrawn.person@example.org"),
        "refused.person@example.org": individual_form(email="refused.person@example.org"),
    }
    for form in people.values():
        assert client.post("/c/free-them/sign", data=form).status_code == 200
    smtp_server.stop()
    deliver_mail(settings)  # fails: messages stay queued, with their addresses
    smtp_server.start()
    from datetime import timedelta

    from signon.db.models import utcnow

    deliver_mail(settings, now=utcnow() + timedelta(hours=2))
    for message in smtp_server.messages:
        if str(message["To"]) != "pending.person@example.org":
            client.post(confirm_path(message))
    [withdrawn] = smtp_server.to("withdrawn.person@example.org")
    client.post(manage_path(withdrawn) + "/withdraw")
    client.post("/c/free-them/sign", data=individual_form(email="queued.person@example.org"))

    stored = database_text(settings).lower()
    assert "free them all" in stored, "the dump is readable at all"
    assert "550 5.1.1 <<address>>: recipient address rejected" in stored, "why it is queued"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("signon"))
    logged = logged.lower()
    assert "550 5.1.1" in logged, "the refusal is logged"
    for address in [*people, "queued.person@example.org"]:
        assert address not in stored, f"{address} is stored in clear"
        assert address.split("@")[0] not in stored
        assert address.split("@")[0] not in logged, f"{address} is logged"
    for secret in ("secret quietname", "hidden contactperson", "treasurer", "my private reason"):
        assert secret not in stored
    assert "ana lima" in stored, "a public name is public: it is kept in plain text to be listed"


def test_withdraw_display_switch_and_unsubscribe_from_the_emailed_link(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(updates="on"))
    deliver_mail(settings)
    [message] = smtp_server.messages
    client.post(confirm_path(message))
    manage = manage_path(message)

    page = client.get(manage)
    assert page.status_code == 200 and "Ana Lima" in page.text
    assert "You get updates" in page.text

    hidden = client.post(f"{manage}/display", data={"display": "private"})
    assert "Saved" in hidden.text
    assert client.get("/api/campaigns/free-them/endorsers").json()["items"] == []
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 1
    assert "Ana Lima" not in client.get("/c/free-them").text

    client.post(f"{manage}/display", data={"display": "public"})
    names = [i["name"] for i in client.get("/api/campaigns/free-them/endorsers").json()["items"]]
    assert names == ["Ana Lima"]

    unsubscribed = client.post(f"{manage}/unsubscribe")
    assert "no more updates" in unsubscribed.text and "You get no updates" in unsubscribed.text

    withdrawn = client.post(f"{manage}/withdraw")
    assert withdrawn.status_code == 200 and "withdrawn" in withdrawn.text
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 0
    assert client.get("/api/campaigns/free-them/endorsers").json()["items"] == []
    assert "Ana Lima" not in client.get(manage).text, "nothing submitted is kept"

    # Nobody can undo it: not the old confirmation link, not the manage link.
    assert client.post(confirm_path(message)).status_code == 400
    client.post(f"{manage}/display", data={"display": "public"})
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 0
    # The owner of the address may sign again, as a new signature that needs confirming.
    client.post("/c/free-them/sign", data=individual_form())
    deliver_mail(settings)
    again = smtp_server.messages[-1]
    assert confirm_path(again) != confirm_path(message)
    client.post(confirm_path(again))
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 1


def test_withdrawing_a_pending_signature_stops_its_mail(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form())
    deliver_mail(settings)
    [first] = smtp_server.messages
    client.post("/c/free-them/sign", data=individual_form())  # queues a second link
    client.post(manage_path(first) + "/withdraw")
    assert deliver_mail(settings).sent == 0
    assert client.post(confirm_path(first)).status_code == 400
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 0


def test_bad_manage_links_get_a_friendly_page(client: TestClient) -> None:
    for bad in ("nope", "a" * 300, "eyJ.x.y"):
        for response in (
            client.get(f"/manage/{bad}"),
            client.post(f"/manage/{bad}/withdraw"),
            client.post(f"/manage/{bad}/display", data={"display": "public"}),
            client.post(f"/manage/{bad}/unsubscribe"),
        ):
            assert response.status_code == 400
            assert "This link does not work" in response.text


def test_first_name_and_initial_display_mode(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, name_display="initial")
    client.post("/c/free-them/sign", data=individual_form(name="Maya Okafor"))
    client.post("/c/free-them/sign", data=organization_form())
    deliver_mail(settings)
    for message in smtp_server.messages:
        client.post(confirm_path(message))
    names = {i["name"] for i in client.get("/api/campaigns/free-them/endorsers").json()["items"]}
    assert names == {"Maya O."}
    page = client.get("/c/free-them").text
    assert "Maya O." in page and "Okafor" not in page
    assert "Friends of the River" in page, "organizations keep their full name"
