"""`signon dev seed` writes its rows in index order (address hashes, link nonces and times all
ascending with the row id: every index of the table is appended to), and leaves a sound table
behind: its unique constraints still enforced, its counters exact, nothing half-written when it
is interrupted."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from signon import seedsqlite
from signon.db.models import Signature, utcnow
from signon.runtime import Runtime
from signon.seed import SeedPlan, seed, seeding
from signon.seedrows import SeedColumns, batch_columns, hash_span
from signon.services.campaigns import CampaignView
from signon.services.counts import recount
from tests.support import signatures_of

pytestmark = pytest.mark.anyio


async def test_rows_go_in_by_address_hash_with_nonces_and_times_ascending(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await seed(
        runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 2_500, "o"), batch_size=600
    )

    rows = await signatures_of(runtime, campaign.id)
    assert len(rows) == 2_500
    for column in ("email_key", "token_nonce", "created_at"):
        values = [getattr(row, column) for row in rows]
        assert values == sorted(values), column
        assert len(set(values)) == len(values), column
    assert all(row.updated_at == row.confirmed_at == row.created_at for row in rows)


async def test_after_a_seed_the_unique_constraints_hold_and_recount_finds_no_drift(
    runtime: Runtime, campaign: CampaignView
) -> None:
    await seed(
        runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 2_100, "u"), batch_size=700
    )
    first = (await signatures_of(runtime, campaign.id))[0]

    now = utcnow()
    row = {
        "campaign_id": campaign.id, "signer_type": "individual", "status": "pending",
        "moderation": "none", "display": "private", "wants_updates": False, "listed": False,
        "emails_sent": 0, "created_at": now, "updated_at": now,
    }  # fmt: skip
    for taken in ({"email_key": first.email_key, "token_nonce": "fresh-nonce"},
                  {"email_key": "fresh-key", "token_nonce": first.token_nonce}):  # fmt: skip
        with pytest.raises(IntegrityError):
            async with runtime.db.write() as session:
                await session.execute(insert(Signature).values(**row, **taken))
    assert not any(result.changed for result in await recount(runtime.db))
    if runtime.db.is_sqlite:
        path = runtime.db.url.split("///", 1)[1]
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            indexes = {name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signatures'"
            )}  # fmt: skip
        assert {
            "ix_signatures_public_list",
            "ix_signatures_status_created",
            "ix_signatures_moderated",
            "ix_signatures_flagged",
        } <= indexes
        assert len(indexes) == 6  # and the two unique constraints' own


async def test_a_seed_committed_in_many_transactions_holds_every_row(
    runtime: Runtime, campaign: CampaignView, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seedsqlite, "COMMIT_EVERY", 1)  # a commit before every batch

    await seed(
        runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 2_000, "m"), batch_size=400
    )

    rows = await signatures_of(runtime, campaign.id)
    assert len(rows) == len({row.token_nonce for row in rows}) == 2_000
    assert not any(result.changed for result in await recount(runtime.db))


async def test_an_interrupted_seed_leaves_no_half_written_batch(
    runtime: Runtime, campaign: CampaignView
) -> None:
    seen: list[int] = []

    def stop_after_two_batches(rows: int) -> None:
        seen.append(rows)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await seed(
            runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 3_000, "i"),
            stop_after_two_batches, batch_size=500,
        )  # fmt: skip

    async with runtime.db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Signature))
    if runtime.db.is_sqlite:  # less than a transaction's worth: none of it was committed
        assert count == 0
    else:  # COPY commits batch by batch: the two reported, whole
        assert count == sum(seen)
    # Each transaction counted its own rows: the counters match what was committed.
    assert not any(result.changed for result in await recount(runtime.db))
    # And the table takes a whole seed afterwards.
    await seed(
        runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 1_200, "j"), batch_size=500
    )
    assert len(await signatures_of(runtime, campaign.id)) == count + 1_200
    assert not any(result.changed for result in await recount(runtime.db))
    if runtime.db.is_sqlite:
        assert _journal_mode(runtime) == "wal"


def _journal_mode(runtime: Runtime) -> str:
    with closing(sqlite3.connect(runtime.db.url.split("///", 1)[1])) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def _only_on_sqlite(runtime: Runtime) -> str:
    if not runtime.db.is_sqlite:
        pytest.skip("journal modes are SQLite's")
    return runtime.db.url.split("///", 1)[1]


async def test_a_seed_alone_with_the_database_writes_through_a_rollback_journal_then_back_to_wal(
    runtime: Runtime, campaign: CampaignView
) -> None:
    path = _only_on_sqlite(runtime)
    await runtime.db.close_idle_connections()
    plan = SeedPlan(campaign.id, "full", 300, "r")
    writer = seedsqlite.SqliteSeedWriter(path, plan, 5)
    try:
        assert writer.journal == "delete"
        writer.write(seedsqlite.batch_image(_columns(runtime, plan)))
        writer.finish()
    finally:
        writer.close()

    assert _journal_mode(runtime) == "wal"
    assert len(await signatures_of(runtime, campaign.id)) == 300
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def test_a_seed_beside_another_connection_writes_through_wal(
    runtime: Runtime, campaign: CampaignView
) -> None:
    path = _only_on_sqlite(runtime)
    with closing(sqlite3.connect(path)) as reader:  # as a running server would hold it
        reader.execute("SELECT count(*) FROM signatures").fetchone()
        writer = seedsqlite.SqliteSeedWriter(path, SeedPlan(campaign.id, "full", 1, "w"), 5)
        try:
            assert writer.journal == "wal"
        finally:
            writer.close()
        await seed(runtime.db, runtime.keyring, SeedPlan(campaign.id, "full", 700, "w"))
        assert reader.execute("SELECT count(*) FROM signatures").fetchone() == (700,)

    assert _journal_mode(runtime) == "wal"
    assert not any(result.changed for result in await recount(runtime.db))


async def test_a_seed_writer_refusing_its_plan_leaves_the_database_as_it_was(
    runtime: Runtime, campaign: CampaignView
) -> None:
    path = _only_on_sqlite(runtime)
    await runtime.db.close_idle_connections()
    with pytest.raises(ValueError):
        seedsqlite.SqliteSeedWriter(
            path, SeedPlan(campaign.id, "full", 1, "x", status="withdrawn"), 5
        )
    assert _journal_mode(runtime) == "wal"


def _columns(runtime: Runtime, plan: SeedPlan) -> SeedColumns:
    job = seeding(plan, runtime.keyring, utcnow(), sqlite=True)
    hashed = hash_span(runtime.keyring, plan, 0, plan.count, 1)[0]
    return batch_columns(job, runtime.keyring, hashed, 0, 0, 1)


async def test_a_rows_kind_and_empty_public_texts_are_stored_as_the_app_stores_them(
    runtime: Runtime, campaign: CampaignView
) -> None:
    plan = SeedPlan(campaign.id, "full", 1_500, "k", public_share=0.5, organization_every=5)
    await seed(runtime.db, runtime.keyring, plan, batch_size=500)

    rows = await signatures_of(runtime, campaign.id)
    kinds = {(row.signer_type, row.display, row.wants_updates, row.listed) for row in rows}
    assert kinds == {
        (signer_type, display, updates, display == "public")
        for signer_type in ("individual", "organization")
        for display in ("public", "private")
        for updates in (True, False)
    }
    for row in rows:
        public = (row.public_name, row.public_place, row.public_website)
        if not row.listed:
            assert public == (None, None, None)
        elif row.signer_type == "individual":
            assert row.public_name and row.public_place and row.public_website is None
        else:
            assert row.public_name and row.public_place and row.public_website
    if runtime.db.is_sqlite:  # booleans as 0 and 1, as SQLAlchemy writes them
        path = runtime.db.url.split("///", 1)[1]
        with sqlite3.connect(path) as connection:
            stored = connection.execute(
                "SELECT DISTINCT typeof(listed), listed, typeof(wants_updates), wants_updates "
                "FROM signatures"
            ).fetchall()
        assert sorted(stored) == [
            ("integer", listed, "integer", updates) for listed in (0, 1) for updates in (0, 1)
        ]
