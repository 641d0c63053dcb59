"""First signatures go the short way (services/newsigners.py): written straight through the
driver, and on PostgreSQL with their mail in one statement. They must be stored exactly as the
full rules store them, and an address on record, or racing in from another process, must still
end in one signature."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from signon.db import Database
from signon.db.models import OutboxMessage, Signature
from signon.forms import SignatureInput
from signon.runtime import Runtime
from signon.services.campaigns import CampaignSpec, CampaignView
from signon.services.outcomes import ConfirmState, SignOutcome
from signon.services.signbatch import SignBatch
from signon.settings import Settings
from tests.support import SmtpSink, confirm_link, nonce_of

pytestmark = pytest.mark.anyio

# Differ in every way a row can differ: type, display, updates, place, comment.
PEOPLE = [
    SignatureInput("individual", "Ana Lima", "ana@example.org", "public", True, city="Leeds"),
    SignatureInput("individual", "Ben Okafor", "ben@example.org", "private", False),
    SignatureInput(
        "organization",
        "Cara Diaz",
        "cara@example.org",
        "public",
        True,
        organization="Tenants Union",
        comment="We stand with them.",
    ),
]
# These differ by address (the edition hashes the details, address included) or at random.
_UNCOMPARED = {"id", "email_key", "personal", "token_nonce", "link_edition"}


async def test_a_first_signature_is_stored_as_the_full_rules_store_it(
    runtime: Runtime, campaign: CampaignView, smtp_server: SmtpSink
) -> None:
    service = runtime.signatures
    batch = SignBatch(runtime.db, runtime.keyring, service.mail, service.max_emails)
    for n, person in enumerate(PEOPLE):
        short = service.request(campaign, person)
        # An address still hashed under an earlier index key always takes the full rules.
        other = replace(person, email=f"full-{n}@example.org")
        full = replace(service.request(campaign, other), earlier_email_keys=("0" * 64,))
        assert await batch([short, full]) == [SignOutcome.CREATED, SignOutcome.CREATED]

    async with runtime.db.read() as session:
        rows = list(await session.scalars(select(Signature).order_by(Signature.id)))
        mail = {m.signature_id: m for m in await session.scalars(select(OutboxMessage))}
    assert len(rows) == 6
    columns = [c.key for c in Signature.__table__.columns if c.key not in _UNCOMPARED]
    for short_row, full_row in zip(rows[::2], rows[1::2], strict=True):
        assert {c: getattr(short_row, c) for c in columns} == {
            c: getattr(full_row, c) for c in columns
        }
        assert short_row.created_at.tzinfo is not None and short_row.link_edition
        for row in (short_row, full_row):
            message = mail[row.id]
            assert (message.kind, message.attempts, message.locked_until) == ("confirm", 0, None)
            assert message.created_at == message.next_attempt_at == row.created_at
    if runtime.db.is_sqlite:  # times stored as the same text, so they sort together
        async with runtime.db.read() as session:
            times = (
                await session.execute(
                    text(
                        "SELECT s.created_at, s.updated_at, s.link_sent_at, o.created_at,"
                        " o.next_attempt_at FROM signatures s JOIN outbox o"
                        " ON o.signature_id = s.id ORDER BY s.id"
                    )
                )
            ).all()
        for short_times, full_times in zip(times[::2], times[1::2], strict=True):
            assert short_times == full_times and len(set(short_times)) == 1
            assert len(short_times[0]) == len("2026-11-22 10:00:00.000000")

    report = await runtime.mail_worker.drain()
    assert report.sent == 6
    for person in PEOPLE:
        [message] = smtp_server.to(person.email)
        token = confirm_link(message).rsplit("/", 1)[1]
        assert (await service.confirm(token)).state is ConfirmState.CONFIRMED


async def test_a_batch_sends_each_address_on_record_the_full_way(
    runtime: Runtime, campaign: CampaignView
) -> None:
    service = runtime.signatures
    await service.sign(campaign, PEOPLE[0])
    outcomes = await asyncio.gather(
        service.sign(campaign, replace(PEOPLE[0], name="Ana Lima Souza")),
        service.sign(campaign, PEOPLE[1]),
        service.sign(campaign, PEOPLE[1]),  # twice in one batch: the second is a resubmission
    )
    assert outcomes == [SignOutcome.RESENT, SignOutcome.CREATED, SignOutcome.RESENT]
    async with runtime.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Signature)) == 2
        sent = dict(
            (await session.execute(select(Signature.email_key, Signature.emails_sent))).all()
        )
        assert sorted(sent.values()) == [2, 2]
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


async def test_two_processes_signing_the_same_addresses_leave_one_signature_each(
    settings: Settings,
) -> None:
    # Two runtimes (two engines and pools, as two server processes); on PostgreSQL each has
    # several batches in flight, so the same address meets itself in concurrent statements.
    first, second = Runtime.start(settings), Runtime.start(settings)
    try:
        campaign = await first.campaigns.create(
            CampaignSpec("c", "C", "Statement", moderate_organizations=False)
        )
        people = [
            SignatureInput("individual", f"P {n}", f"p{n}@example.org", "public", False)
            for n in range(12)
        ]
        outcomes = await asyncio.gather(
            *(
                runtime.signatures.sign(campaign, person)
                for _ in range(2)
                for runtime in (first, second)
                for person in people
            )
        )
        async with first.db.read() as session:
            per_address = (
                await session.execute(
                    select(
                        Signature.email_key, func.count(), func.max(Signature.emails_sent)
                    ).group_by(Signature.email_key)
                )
            ).all()
            queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
    finally:
        await first.close()
        await second.close()
    assert outcomes.count(SignOutcome.CREATED) == 12
    assert set(outcomes) == {SignOutcome.CREATED, SignOutcome.RESENT}
    assert len(per_address) == 12 and {count for _, count, _ in per_address} == {1}
    assert {sent for _, _, sent in per_address} == {4}  # each submission sent one link
    assert queued == 48


class _Failing:
    """The database, except that its first `times` full-rules transactions fail."""

    def __init__(self, db: object, times: int) -> None:
        self._db, self.left = db, times

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)

    async def batch(self, work):  # type: ignore[no-untyped-def]
        if self.left:
            self.left -= 1
            raise RuntimeError("the full rules' transaction failed")
        return await self._db.batch(work)  # type: ignore[attr-defined]


async def test_when_the_rest_fail_the_first_signatures_stand_and_each_other_fails_alone(
    runtime: Runtime, campaign: CampaignView
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("on SQLite both ways are one transaction, rolled back together")
    service = runtime.signatures
    for person in PEOPLE[:2]:
        await service.sign(campaign, person)
    # The batch of those on record fails, then the first of them tried alone.
    db = _Failing(runtime.db, times=2)
    batch = SignBatch(db, runtime.keyring, service.mail, service.max_emails)  # type: ignore[arg-type]
    requests = [service.request(campaign, person) for person in (PEOPLE[2], *PEOPLE[:2])]
    created, failed, resent = await batch(requests)
    assert (created, resent) == (SignOutcome.CREATED, SignOutcome.RESENT)
    assert isinstance(failed, RuntimeError)
    async with runtime.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Signature)) == 3
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 4


async def test_a_connection_the_server_dropped_is_not_used_again(
    runtime: Runtime, campaign: CampaignView, settings: Settings
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("PostgreSQL's pooled connections")
    service = runtime.signatures
    await service.sign(campaign, PEOPLE[0])
    await service.confirm(
        service.tokens.issue(await nonce_of(runtime, PEOPLE[0].email))
    )  # both ways have used the pool
    other = Database(settings.database_url)  # drops the app's connections, as a restart would
    try:
        async with other.write() as session:
            await session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await other.dispose()
    for person in PEOPLE[1:]:  # a request may meet a dropped connection and fail; then no more
        with contextlib.suppress(Exception):
            await service.sign(campaign, person)
    assert await service.sign(campaign, replace(PEOPLE[0], email="late@example.org")) is (
        SignOutcome.CREATED
    )
    token = service.tokens.issue(await nonce_of(runtime, "late@example.org"))
    with contextlib.suppress(Exception):
        await service.confirm(token)
    assert (await service.confirm(token)).state in (
        ConfirmState.CONFIRMED,
        ConfirmState.ALREADY_CONFIRMED,
    )
