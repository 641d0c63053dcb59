"""Personal data at rest and the signer's own controls, over HTTP from real received mail."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, text, update

from signon.db.models import Base, Campaign, Signature
from signon.settings import Settings
from tests.support import (
    SmtpSink,
    campaign_spec,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    manage_path,
    organization_form,
    run_with_runtime,
)


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


def listed_everywhere(client: TestClient, settings: Settings) -> str:
    """Every public list of the campaign, and the list handed to its target, as one text."""

    async def delivery(runtime) -> str:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get("free-them")
        csv = runtime.exports.delivery_csv(campaign.id, None, campaign.name_display)
        return "".join([chunk async for chunk in csv])

    api = client.get("/api/campaigns/free-them/endorsers").json()["items"]
    pages = [
        client.get(path).text
        for path in ("/c/free-them", "/c/free-them/endorsers", "/c/free-them/letter")
    ]
    return "\n".join(
        [*(item["name"] for item in api), *pages, run_with_runtime(settings, delivery)]
    )


def stored_public_names(settings: Settings) -> set[str]:
    async def read(runtime) -> set[str]:  # type: ignore[no-untyped-def]
        async with runtime.db.read() as session:
            return set(await session.scalars(select(Signature.public_name).where(Signature.listed)))

    return run_with_runtime(settings, read)


def sign_and_confirm(client: TestClient, settings: Settings, smtp_server: SmtpSink, **form: str):  # type: ignore[no-untyped-def]
    signing = organization_form if "organization" in form else individual_form
    client.post("/c/free-them/sign", data=signing(**form))
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.to(form["email"])[-1]))


def test_switching_to_first_name_and_initial_shortens_the_names_listed_before(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)  # full names
    sign_and_confirm(client, settings, smtp_server, name="Maya Okafor", email="m@example.org")
    sign_and_confirm(client, settings, smtp_server, name="Jan van der Berg", email="j@example.org")
    sign_and_confirm(
        client, settings, smtp_server, email="c@river.example.org", organization="River Friends"
    )
    assert "Maya Okafor" in listed_everywhere(client, settings)

    initial = campaign_spec(name_display="initial")
    run_with_runtime(settings, lambda runtime: runtime.campaigns.update("free-them", initial))

    assert stored_public_names(settings) == {"Maya O.", "Jan B.", "River Friends"}
    shown = listed_everywhere(client, settings)
    assert "Maya O." in shown and "Jan B." in shown and "River Friends" in shown
    assert "Okafor" not in shown and "Berg" not in shown

    # Back to full names: nobody listed shortened is lengthened; who confirms next is in full.
    full = campaign_spec(name_display="full")
    run_with_runtime(settings, lambda runtime: runtime.campaigns.update("free-them", full))
    sign_and_confirm(client, settings, smtp_server, name="Lea Rossi", email="l@example.org")
    names = {i["name"] for i in client.get("/api/campaigns/free-them/endorsers").json()["items"]}
    assert names == {"Maya O.", "Jan B.", "Lea Rossi"}
    assert "Okafor" not in listed_everywhere(client, settings)


def test_lists_are_read_shortened_even_where_the_stored_names_are_not(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    """As after a switch whose rewrite of the stored names was cut short."""
    make_campaign(settings)
    sign_and_confirm(client, settings, smtp_server, name="Maya Okafor", email="m@example.org")

    async def display_initial_only(runtime) -> None:  # type: ignore[no-untyped-def]
        async with runtime.db.write() as session:
            await session.execute(update(Campaign).values(name_display="initial"))

    run_with_runtime(settings, display_initial_only)
    client.get("/c/free-them")  # the campaign is read afresh (no page cache in tests)

    assert stored_public_names(settings) == {"Maya Okafor"}
    shown = listed_everywhere(client, settings)
    assert "Maya O." in shown and "Okafor" not in shown
