"""Signing and confirming in batches: every rule holds inside one batch, and several processes'
writers take turns on one SQLite file."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text, update

from signon.abuse.screening import Screening
from signon.db import Database
from signon.db.models import Campaign, OutboxMessage, Signature
from signon.forms import SignatureInput
from signon.runtime import Runtime
from signon.services.campaigns import CampaignSpec
from signon.services.counts import recount
from signon.services.outcomes import CampaignClosed, ConfirmState, SignOutcome
from signon.settings import Settings
from tests.support import nonce_of

pytestmark = pytest.mark.anyio


def person(number: int) -> SignatureInput:
    return SignatureInput(
        "individual", f"Person {number}", f"p{number}@example.org", "public", False
    )


async def outbox_kinds(runtime: Runtime) -> list[str]:
    async with runtime.db.read() as session:
        return sorted(await session.scalars(select(OutboxMessage.kind)))


async def test_one_batch_applies_every_rule_to_each_request(runtime: Runtime) -> None:
    spec = CampaignSpec("open", "Open", "Statement", moderate_organizations=False)
    campaign = await runtime.campaigns.create(spec)
    # A page loaded before its campaign closed: the batch reads the status afresh.
    closed = await runtime.campaigns.create(CampaignSpec("shut", "Shut", "Statement"))
    async with runtime.db.write() as session:
        await session.execute(
            update(Campaign).where(Campaign.id == closed.id).values(status="closed")
        )
    signatures = runtime.signatures
    await signatures.sign(campaign, person(1))  # stays pending
    await signatures.sign(campaign, person(2))
    await signatures.confirm(signatures.tokens.issue(await nonce_of(runtime, "p2@example.org")))
    await signatures.sign(campaign, person(3))
    async with runtime.db.write() as session:
        await session.execute(
            update(Signature)
            .where(Signature.email_key == runtime.keyring.email_key("p3@example.org"))
            .values(emails_sent=signatures.max_emails)
        )
    before = len(await outbox_kinds(runtime))

    outcomes = await asyncio.gather(
        signatures.sign(campaign, person(4)),
        signatures.sign(campaign, replace(person(1), name="Person One")),
        signatures.sign(campaign, person(2)),
        signatures.sign(campaign, person(3)),
        signatures.sign(campaign, person(5), Screening(("automated",), send_mail=False)),
        signatures.sign(closed, person(6)),
        return_exceptions=True,
    )
    assert outcomes[:5] == [
        SignOutcome.CREATED,
        SignOutcome.RESENT,
        SignOutcome.ALREADY_CONFIRMED,
        SignOutcome.EMAIL_CAP_REACHED,
        SignOutcome.MAIL_WITHHELD,
    ]
    assert isinstance(outcomes[5], CampaignClosed)
    kinds = await outbox_kinds(runtime)
    assert len(kinds) - before == 3  # a new link, a resent link, an "already signed"
    assert kinds.count("already_signed") == 1
    view = await signatures.describe(
        signatures.tokens.issue(await nonce_of(runtime, "p1@example.org"))
    )
    assert view.name == "Person One", "the latest submission is what gets confirmed"
    async with runtime.db.read() as session:
        flagged = await session.scalar(
            select(Signature.flag_reason).where(
                Signature.email_key == runtime.keyring.email_key("p5@example.org")
            )
        )
        assert flagged == "automated"
        assert await session.scalar(select(func.count()).select_from(Signature)) == 5


async def test_a_batch_of_confirmations_counts_each_signature_once(runtime: Runtime) -> None:
    campaign = await runtime.campaigns.create(
        CampaignSpec("c", "C", "Statement", moderate_organizations=False)
    )
    for n in range(10):
        await runtime.signatures.sign(campaign, person(n))
    tokens = [
        runtime.signatures.tokens.issue(await nonce_of(runtime, f"p{n}@example.org"))
        for n in range(10)
    ]
    views = await asyncio.gather(
        *(runtime.signatures.confirm(token) for token in tokens + tokens[:3]),
        runtime.signatures.confirm("not-a-token"),
    )
    states = [view.state for view in views]
    assert states.count(ConfirmState.CONFIRMED) == 10
    assert states.count(ConfirmState.ALREADY_CONFIRMED) == 3
    assert states[-1] is ConfirmState.INVALID
    assert all(view.manage_token for view in views[:-1])
    [check] = await recount(runtime.db, "c")
    assert not check.changed and check.individuals == 10


async def test_writers_of_one_sqlite_file_take_turns(settings: Settings) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("turns are how SQLite writers share one file")
    # Two Database objects hold two lock-file descriptors, as two server processes would.
    first, second = Database(settings.database_url), Database(settings.database_url)
    try:
        await first.batch(
            lambda c: c.execute(text("CREATE TABLE turns (n INTEGER, who TEXT)")) and None
        )

        def insert(who: str, n: int):  # type: ignore[no-untyped-def]
            return lambda c: c.execute(
                text("INSERT INTO turns VALUES (:n, :who)"), [{"n": n, "who": who}]
            )

        await asyncio.gather(
            *(
                db.batch(insert(name, n))
                for n in range(50)
                for db, name in ((first, "a"), (second, "b"))
            )
        )
        count = await second.query(lambda c: c.execute(text("SELECT count(*) FROM turns")).scalar())
        assert count == 100
        mode = await first.query(lambda c: c.execute(text("PRAGMA synchronous")).scalar())
        assert mode == 2, "FULL: a batch is on disk before anyone is told it is saved"
        # A batch's statement journal stays in memory: it is not spilled to a file in /var/tmp
        # (created and deleted for most sign batches, and holding pages of signatures).
        temp = await first.batch(lambda c: c.execute(text("PRAGMA temp_store")).scalar())
        assert temp == 2
        lock = settings.database_url.removeprefix("sqlite+aiosqlite:///") + "-writer.lock"
        assert os.stat(lock).st_mode & 0o777 == 0o600
    finally:
        await first.dispose()
        await second.dispose()


async def test_each_process_keeps_the_postgresql_pool_its_settings_ask_for(
    settings: Settings,
) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite has no connection pool to size")
    runtime = Runtime.start(settings.with_changes(db_pool_size=3))
    try:
        assert runtime.db.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        await runtime.close()


async def test_a_batch_with_an_organization_to_announce_confirms_every_link_once(
    runtime: Runtime,
) -> None:
    # On PostgreSQL such a batch is rolled back from the short way and goes the full way, where
    # the owners are told in the same transaction: everything else in it must count once.
    campaign = await runtime.campaigns.create(CampaignSpec("c", "C", "Statement"))
    owner = await runtime.accounts.create_user("owner@example.org", "a long passphrase here")
    await runtime.access.add_member(campaign.id, owner, "owner")
    await runtime.access.set_notify(campaign.id, owner, True, "en")
    organization = SignatureInput(
        "organization", "Rep", "org@example.org", "public", False, organization="Tenants"
    )
    await runtime.signatures.sign(campaign, organization)
    for n in range(4):
        await runtime.signatures.sign(campaign, person(n))
    tokens = [
        runtime.signatures.tokens.issue(await nonce_of(runtime, email))
        for email in ["org@example.org", *(f"p{n}@example.org" for n in range(4))]
    ]
    views = await asyncio.gather(*(runtime.signatures.confirm(t) for t in tokens + tokens[1:2]))
    states = [view.state for view in views]
    assert states.count(ConfirmState.CONFIRMED) == 5
    assert states.count(ConfirmState.ALREADY_CONFIRMED) == 1
    assert views[0].held and not views[0].counted
    [check] = await recount(runtime.db, "c")
    assert not check.changed and (check.individuals, check.organizations) == (4, 0)
    assert (await outbox_kinds(runtime)).count("organization_waiting") == 1
