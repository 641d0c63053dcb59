"""`signon dev seed`: many realistic confirmed signatures, fast, for demos and benchmarks.

The rows come from seedrows.py, a batch at a time, in address-hash order. They are written with
one statement per batch: on SQLite an INSERT … SELECT from an in-memory database image the
generating process built (seedsqlite.py), on PostgreSQL asyncpg's COPY. Each transaction adds
its rows to the campaign's counters, so they stay exact even when a seed is interrupted (a
`recount` of a million rows took about as long as writing 60,000).

Making a row costs about as much as writing it, so other processes (seedgen.py) make the next
batches while this one writes. They are started fresh, not forked (this process already runs
database threads), and import only what making rows takes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from contextlib import aclosing
from datetime import datetime

from signon.crypto import Keyring
from signon.db import Database
from signon.db.engine import SQLITE_BUSY_TIMEOUT_MS
from signon.db.models import utcnow
from signon.seedgen import Generators
from signon.seedrows import (
    FIRST,
    HASHED,
    LAST,
    SeedColumns,
    Seeding,
    SeedPlan,
    batch_columns,
    counter_update,
    hash_span,
    kind_values,
    organizations_among,
)
from signon.seedsqlite import SqliteBatch, SqliteSeedWriter, batch_image
from signon.services.records import PERSONAL, first_name_and_initial

__all__ = ["SeedPlan", "seed"]

BATCH = 20_000  # rows per batch (a bucket of the address-hash space: about this many)
HASH_SPAN = 100_000  # addresses hashed per task
GENERATORS = 2  # processes making rows while this one writes
AHEAD = 4  # batches the generating processes may run ahead of the writer (memory stays bounded)
COLUMNS = (
    "campaign_id", "status", "moderation", "emails_sent", "signer_type", "display",
    "wants_updates", "listed", "email_key", "personal", "public_name", "public_place",
    "public_website", "token_nonce", "created_at", "updated_at", "confirmed_at",
)  # fmt: skip


def seeding(plan: SeedPlan, keyring: Keyring, ended: datetime, sqlite: bool) -> Seeding:
    """The app's rules for this plan's rows, as values the generating processes can use."""
    shown = first_name_and_initial if plan.name_display == "initial" else str
    names = [[shown(f"{first} {last}") for last in LAST] for first in FIRST]
    return Seeding(plan, str(keyring.path), PERSONAL, names, ended, sqlite)


async def _batches(
    job: Seeding, keyring: Keyring, batch_size: int
) -> AsyncIterator[SeedColumns | SqliteBatch]:
    """The plan's rows batch by batch, in address-hash order (see seedrows). A plan of one
    batch is made here; a larger one by GENERATORS processes (seedgen), which first hash every
    address, then make the batches, at most AHEAD ahead of the writer."""
    plan = job.plan
    buckets = -(-plan.count // batch_size)
    if buckets == 1:
        hashed = hash_span(keyring, plan, 0, plan.count, 1)[0]
        batch = batch_columns(job, keyring, hashed, 0, 0, 1)
        yield batch_image(batch) if job.sqlite else batch
        return
    generators = Generators(job, GENERATORS)
    try:
        spans = [
            generators.submit("hash", at, min(at + HASH_SPAN, plan.count), buckets)
            for at in range(0, plan.count, HASH_SPAN)
        ]
        parts = [await asyncio.wrap_future(span) for span in spans]
        hashed = deque(b"".join(part[bucket] for part in parts) for bucket in range(buckets))
        del parts, spans
        pending: deque[Future[SeedColumns | SqliteBatch]] = deque()
        position = bucket = 0
        while hashed or pending:
            while hashed and len(pending) < AHEAD:
                addresses = hashed.popleft()
                pending.append(generators.submit("batch", addresses, position, bucket, buckets))
                position += len(addresses) // HASHED
                bucket += 1
            yield await asyncio.wrap_future(pending.popleft())
    finally:
        generators.close()


def _rows(plan: SeedPlan, batch: SeedColumns) -> list[tuple[object, ...]]:
    """A batch as whole rows, in COLUMNS order (for COPY)."""
    confirmed = plan.status == "confirmed"
    kinds = {kind: kind_values(kind, confirmed) for kind in set(batch.kinds)}
    head = (plan.campaign_id, plan.status, "none", 1)
    return [
        (*head, *kinds[kind], key, personal, name or None, place or None, site or None,
         nonce, stamp, stamp, stamp if confirmed else None)
        for kind, key, personal, name, place, site, nonce, stamp in zip(*batch, strict=True)
    ]  # fmt: skip


async def seed(
    db: Database,
    keyring: Keyring,
    plan: SeedPlan,
    progress: Callable[[int], None] = lambda _: None,
    batch_size: int = BATCH,
) -> int:
    """Insert `plan.count` signatures, counted in the campaign's counters; returns how many."""
    batches = _batches(seeding(plan, keyring, utcnow(), db.is_sqlite), keyring, batch_size)
    if db.is_sqlite:
        path = db.url.split("///", 1)[1]
        await db.close_idle_connections()  # so the writer may have the file to itself
        writer = SqliteSeedWriter(path, plan, SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            async with aclosing(batches):
                async for batch in batches:
                    assert isinstance(batch, SqliteBatch)
                    writer.write(batch)
                    progress(batch.rows)
            writer.finish()
        finally:
            writer.close()
    else:
        async with db.engine.connect() as connection, aclosing(batches):
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            async for batch in batches:
                assert isinstance(batch, SeedColumns)
                records = _rows(plan, batch)
                update = counter_update(plan, len(records), organizations_among(batch.kinds))
                async with driver.transaction():
                    await driver.copy_records_to_table(
                        "signatures", records=records, columns=COLUMNS
                    )
                    if update is not None:
                        await driver.execute(update)
                progress(len(records))
            # Fresh statistics: right after a bulk load the planner may otherwise pick a sort
            # over the list index for the first page of a million-row list.
            await driver.execute("ANALYZE signatures")
    return plan.count
