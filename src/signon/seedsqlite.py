"""Writing seeded rows into SQLite (see seed.py).

Binding a row's values to a statement from Python costs about as much as SQLite's own work to
insert it, and the writing process is the one that cannot be helped by another core. So the
generating processes do the binding: each puts its batch into an in-memory SQLite database and
hands over that database's image (`batch_image`); the writer loads the image into an attached
schema (`deserialize`) and copies it into `signatures` with one INSERT … SELECT, all inside
SQLite. (This module is imported by the generating processes, which do not import the app.)
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from signon.seedrows import ORGANIZATION, PUBLIC, UPDATES, SeedColumns, SeedPlan

COMMIT_EVERY = 100_000  # rows per transaction (see SqliteSeedWriter)
# The writer's page cache holds all a transaction changes (some 80 MB), so each page goes to the
# WAL once per commit instead of each time the default 2 MB cache spills it.
CACHE_KIB = 256 * 1024
_BATCH_COLUMNS = (
    "kind",
    "email_key",
    "personal",
    "public_name",
    "public_place",
    "public_website",
    "token_nonce",
    "stamp",
)  # fmt: skip, SeedColumns' order


class SqliteBatch(NamedTuple):
    rows: int
    image: bytes  # a SQLite database holding the table `batch_rows` (_BATCH_COLUMNS)


def batch_image(batch: SeedColumns) -> SqliteBatch:
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        memory.execute(f"CREATE TABLE batch_rows ({', '.join(_BATCH_COLUMNS)})")
        marks = ", ".join("?" for _ in _BATCH_COLUMNS)
        memory.execute("BEGIN")
        memory.executemany(f"INSERT INTO batch_rows VALUES ({marks})", zip(*batch, strict=True))
        memory.execute("COMMIT")
        return SqliteBatch(len(batch.email_keys), memory.serialize())
    finally:
        memory.close()


class SqliteSeedWriter:
    """Copies batch images into `signatures`, committing every COMMIT_EVERY rows.

    WAL mode writes every page a transaction changed once per commit, so fewer, larger
    transactions write less. One of this size holds the write lock for about a second, which
    the app's writers wait out (busy timeout). Commits before the last are not synced
    (synchronous=NORMAL); the last one, which holds only the last batch, is (FULL), and being
    later in the same WAL file, it makes the earlier ones durable too.
    """

    def __init__(self, path: str, plan: SeedPlan, busy_timeout: float) -> None:
        self._connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._connection.execute("ATTACH ':memory:' AS seed_batch")
        self._statement = _copy_statement(plan)
        self._uncommitted = 0
        self._held: SqliteBatch | None = None

    def write(self, batch: SqliteBatch) -> None:
        """Take a batch; the one before it goes in (the last one waits for `finish`)."""
        if self._held is not None:
            self._insert(self._held)
        self._held = batch

    def finish(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("COMMIT")
        self._uncommitted = 0
        self._connection.execute("PRAGMA synchronous=FULL")
        if self._held is not None:
            self._insert(self._held)
            self._held = None
            self._connection.execute("COMMIT")

    def _insert(self, batch: SqliteBatch) -> None:
        if self._uncommitted >= COMMIT_EVERY:
            self._connection.execute("COMMIT")
            self._uncommitted = 0
        if not self._connection.in_transaction:
            self._connection.execute("BEGIN IMMEDIATE")
        self._connection.deserialize(batch.image, name="seed_batch")
        self._connection.execute(self._statement)
        self._uncommitted += batch.rows

    def close(self) -> None:
        """Roll back what was not committed (after an error), and close."""
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")
        self._connection.close()


def _copy_statement(plan: SeedPlan) -> str:
    """The INSERT … SELECT from a batch image, with the plan's constants as literals, and a
    row's kind turned into its four columns as seedrows.kind_values does."""
    if plan.status not in ("confirmed", "pending") or not isinstance(plan.campaign_id, int):
        raise ValueError(f"no seeding of {plan.status!r} signatures into {plan.campaign_id!r}")
    confirmed = plan.status == "confirmed"
    return (
        "INSERT INTO signatures (campaign_id, status, moderation, emails_sent, signer_type, "
        "display, wants_updates, listed, email_key, personal, public_name, public_place, "
        "public_website, token_nonce, created_at, updated_at, confirmed_at) "
        f"SELECT {plan.campaign_id:d}, '{plan.status}', 'none', 1, "
        f"CASE WHEN kind & {ORGANIZATION} THEN 'organization' ELSE 'individual' END, "
        f"CASE WHEN kind & {PUBLIC} THEN 'public' ELSE 'private' END, "
        f"kind & {UPDATES} != 0, {f'kind & {PUBLIC} != 0' if confirmed else '0'}, "
        "email_key, personal, NULLIF(public_name, ''), NULLIF(public_place, ''), "
        "NULLIF(public_website, ''), token_nonce, stamp, stamp, "
        f"{'stamp' if confirmed else 'NULL'} FROM seed_batch.batch_rows ORDER BY rowid"
    )
