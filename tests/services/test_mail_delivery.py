"""The outbox worker against a real SMTP server that fails, refuses, and stalls."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select, text

from signon.db.models import OutboxMessage, utcnow
from signon.runtime import Runtime
from signon.services.records import OUTBOX_PAYLOAD
from signon.settings import Settings
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    run_with_runtime,
)


def recipients(settings: Settings) -> list[str]:
    async def read(runtime: Runtime) -> list[str]:
        return [
            runtime.keyring.decrypt_json(message.payload, OUTBOX_PAYLOAD)["to"]
            for message in await queued(runtime)
        ]

    return run_with_runtime(settings, read)


async def queued(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.db.read() as session:
        return list(await session.scalars(select(OutboxMessage)))


def test_signing_succeeds_while_smtp_is_down_and_mail_goes_out_once_it_is_back(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    smtp_server.stop()
    response = client.post("/c/free-them/sign", data=individual_form(), follow_redirects=False)
    assert response.status_code == 303

    report = deliver_mail(settings)
    assert (report.sent, report.failed) == (0, 1)
    [message] = run_with_runtime(settings, queued)
    assert message.attempts == 1 and "Error" in (message.last_error or "")
    assert message.next_attempt_at > utcnow(), "retried later, with backoff"
    assert deliver_mail(settings).sent == 0, "not retried before its time"

    smtp_server.start()
    later = utcnow() + timedelta(hours=2)
    assert deliver_mail(settings, now=later).sent == 1
    assert run_with_runtime(settings, queued) == []
    client.post(confirm_path(smtp_server.messages[0]))
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 1


def test_a_refused_recipient_does_not_hold_up_the_others(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    smtp_server.refuse("bounce@example.org")
    for email in ["one@example.org", "bounce@example.org", "two@example.org"]:
        client.post("/c/free-them/sign", data=individual_form(email=email))
    report = deliver_mail(settings)
    assert (report.sent, report.failed) == (2, 1)
    assert {str(m["To"]) for m in smtp_server.messages} == {"one@example.org", "two@example.org"}
    [left] = run_with_runtime(settings, queued)
    assert "550" in (left.last_error or "")
    assert recipients(settings) == ["bounce@example.org"]


@pytest.mark.anyio
async def test_no_transaction_is_open_while_talking_to_smtp(
    settings: Settings, smtp_server: SmtpSink
) -> None:
    runtime = Runtime.start(settings)
    try:
        from signon.forms import SignatureInput
        from signon.services.campaigns import CampaignSpec

        campaign = await runtime.campaigns.create(CampaignSpec("c", "C", "Statement"))
        first = SignatureInput("individual", "First", "first@example.org", "public", False)
        await runtime.signatures.sign(campaign, first)

        release = smtp_server.hold_deliveries()
        delivery = asyncio.create_task(runtime.mail_worker.run_once())
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, smtp_server.receiving.wait, 10)

        # While the SMTP server holds the message, the database is free for writers...
        second = SignatureInput("individual", "Second", "second@example.org", "public", False)
        await asyncio.wait_for(runtime.signatures.sign(campaign, second), timeout=10)
        if not runtime.db.is_sqlite:
            # ...and PostgreSQL sees no transaction left open by anyone.
            async with runtime.db.read() as session:
                idle = await session.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state LIKE 'idle in transaction%'"
                    )
                )
            assert idle == 0
        release.set()
        assert (await delivery).sent == 1
    finally:
        await runtime.close()


def test_many_messages_are_delivered_in_batches(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    for number in range(120):
        client.post("/c/free-them/sign", data=individual_form(email=f"s{number}@example.org"))
    report = deliver_mail(settings)
    assert (report.sent, report.failed) == (120, 0)
    assert len(smtp_server.messages) == 120

    async def count(runtime: Runtime) -> int:
        async with runtime.db.read() as session:
            return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)

    assert run_with_runtime(settings, count) == 0


def test_smtp_url_credentials_are_used_to_log_in(client: TestClient, settings: Settings) -> None:
    server = SmtpSink(credentials=("mailer", "p@ss:word/1"))
    server.start()
    try:
        make_campaign(settings)
        client.post("/c/free-them/sign", data=individual_form())
        wrong = settings.with_changes(smtp_url=f"smtp://mailer:nope@127.0.0.1:{server.port}")
        assert deliver_mail(wrong).failed == 1
        assert server.messages == []

        # Reserved characters in the password arrive percent-encoded in the URL.
        right = settings.with_changes(
            smtp_url=f"smtp://mailer:p%40ss%3Aword%2F1@127.0.0.1:{server.port}"
        )
        assert deliver_mail(right, now=utcnow() + timedelta(hours=2)).sent == 1
        assert [str(m["To"]) for m in server.messages] == ["ana@example.org"]
    finally:
        server.stop()
