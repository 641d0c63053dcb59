"""`signon dev seed`: many realistic confirmed signatures, fast, for demos and benchmarks.

The rows come from seedrows.py, a batch at a time, in address-hash order. They are written with
one statement per batch: on SQLite an INSERT … SELECT from an in-memory database image the
generating process built (seedsqlite.py), on PostgreSQL asyncpg's COPY. The campaign's counters
are set with `recount` at the end.

Making a row costs about as much as writing it, so spawned processes make the next batches
while this one writes. They are spawned, not forked (this process already runs database
threads), so a script that calls `seed` needs the `if __name__ == "__main__":` guard
multiprocessing asks for; the `signon` command has it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import aclosing
from datetime import datetime
from itertools import repeat
from pathlib import Path

from signon.crypto import Keyring
from signon.db import Database
from signon.db.models import utcnow
from signon.seedrows import (
    HASHED,
    NONCE_LENGTH,
    SeedColumns,
    SeedPlan,
    batch_columns,
    hash_span,
    sorted_link_nonces,
)
from signon.seedsqlite import SqliteBatch, SqliteSeedWriter, batch_image
from signon.services.counts import recount

__all__ = ["SeedPlan", "seed"]

BATCH = 20_000  # rows per batch (a bucket of the address-hash space: about this many)
HASH_SPAN = 100_000  # addresses hashed per task
GENERATORS = 2  # processes making rows while this one writes
AHEAD = 4  # batches the generating processes may run ahead of the writer (memory stays bounded)
COLUMNS = (
    "campaign_id", "signer_type", "status", "moderation", "email_key", "personal", "display",
    "wants_updates", "listed", "public_name", "public_place", "public_website", "token_nonce",
    "emails_sent", "created_at", "updated_at", "confirmed_at",
)  # fmt: skip

_keyring: Keyring | None = None  # in a generating process


def _start_generating(key_file: str) -> None:
    global _keyring
    _keyring = Keyring(Path(key_file))


def _hash_in_generator(plan: SeedPlan, start: int, stop: int, buckets: int) -> list[bytes]:
    assert _keyring is not None, "runs in a generating process only"
    return hash_span(_keyring, plan, start, stop, buckets)


def _batch_in_generator(
    plan: SeedPlan, hashed: bytes, position: int, nonces: str, ended: datetime, sqlite: bool
) -> SeedColumns | SqliteBatch:
    assert _keyring is not None, "runs in a generating process only"
    batch = batch_columns(plan, _keyring, hashed, position, nonces, ended, sqlite)
    return batch_image(batch) if sqlite else batch


async def _batches(
    plan: SeedPlan, keyring: Keyring, ended: datetime, sqlite: bool, batch_size: int
) -> AsyncIterator[SeedColumns | SqliteBatch]:
    """The plan's rows batch by batch, in address-hash order (see seedrows). A plan of one
    batch is made here; a larger one by GENERATORS spawned processes (they take about a second
    to start: this one draws the link nonces meanwhile), which first hash every address, then
    make the batches, at most AHEAD ahead of the writer."""
    buckets = -(-plan.count // batch_size)
    if buckets == 1:
        hashed = hash_span(keyring, plan, 0, plan.count, 1)[0]
        nonces = sorted_link_nonces(plan.count)
        batch = batch_columns(plan, keyring, hashed, 0, nonces, ended, sqlite)
        yield batch_image(batch) if sqlite else batch
        return
    pool = ProcessPoolExecutor(
        GENERATORS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_generating,
        initargs=(str(keyring.path),),
    )
    try:
        spans = [
            pool.submit(_hash_in_generator, plan, at, min(at + HASH_SPAN, plan.count), buckets)
            for at in range(0, plan.count, HASH_SPAN)
        ]
        nonces = sorted_link_nonces(plan.count)
        parts = [await asyncio.wrap_future(span) for span in spans]
        hashed = deque(b"".join(part[bucket] for part in parts) for bucket in range(buckets))
        del parts, spans
        pending: deque[Future[SeedColumns | SqliteBatch]] = deque()
        position = 0
        while hashed or pending:
            while hashed and len(pending) < AHEAD:
                bucket = hashed.popleft()
                size = len(bucket) // HASHED
                own_nonces = nonces[position * NONCE_LENGTH : (position + size) * NONCE_LENGTH]
                pending.append(pool.submit(
                    _batch_in_generator, plan, bucket, position, own_nonces, ended, sqlite
                ))  # fmt: skip
                position += size
            yield await asyncio.wrap_future(pending.popleft())
    finally:
        pool.shutdown(cancel_futures=True)


def _rows(plan: SeedPlan, batch: SeedColumns) -> zip[tuple[object, ...]]:
    """A batch as whole rows, in COLUMNS order (for COPY)."""
    confirmed_at = batch.stamps if plan.status == "confirmed" else repeat(None)
    return zip(
        repeat(plan.campaign_id), batch.signer_types, repeat(plan.status), repeat("none"),
        batch.email_keys, batch.personal, batch.displays, batch.wants_updates, batch.listed,
        batch.public_names, batch.public_places, batch.public_websites, batch.token_nonces,
        repeat(1), batch.stamps, batch.stamps, confirmed_at,
    )  # fmt: skip


async def seed(
    db: Database,
    keyring: Keyring,
    plan: SeedPlan,
    progress: Callable[[int], None] = lambda _: None,
    batch_size: int = BATCH,
) -> int:
    """Insert `plan.count` signatures; returns how many. Counters are recounted."""
    batches = _batches(plan, keyring, utcnow(), db.is_sqlite, batch_size)
    if db.is_sqlite:
        writer = SqliteSeedWriter(db.url.split("///", 1)[1], plan)
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
                await driver.copy_records_to_table("signatures", records=records, columns=COLUMNS)
                progress(len(batch.email_keys))
            # Fresh statistics: right after a bulk load the planner may otherwise pick a sort
            # over the list index for the first page of a million-row list.
            await driver.execute("ANALYZE signatures")
    await asyncio.sleep(0)
    await recount(db)
    return plan.count
