"""Writing seeded rows into SQLite (see seed.py).

Binding a row's values to a statement from Python costs about as much as SQLite's own work to
insert it, and the writing process is the one that cannot be helped by another core. So the
generating processes do the binding: each puts its batch into an in-memory SQLite database and
hands over that database's image (`batch_image`); the writer loads the image into an attached
schema (`deserialize`) and copies it into `signatures` with one INSERT … SELECT, all inside
SQLite. (This module is imported by the generating processes, which do not import the app.)
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import NamedTuple

from signon.seedrows import (
    ORGANIZATION,
    PUBLIC,
    UPDATES,
    SeedColumns,
    SeedPlan,
    counter_update,
    organizations_among,
)

COMMIT_EVERY = 100_000  # rows per transaction (see SqliteSeedWriter)
# The writer's page cache holds all a transaction changes (some 80 MB), so each page is written
# once per commit instead of each time the default 2 MB cache spills it.
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
    organizations: int
    image: bytes  # a SQLite database holding the table `batch_rows` (_BATCH_COLUMNS)


def batch_image(batch: SeedColumns) -> SqliteBatch:
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        memory.execute(f"CREATE TABLE batch_rows ({', '.join(_BATCH_COLUMNS)})")
        marks = ", ".join("?" for _ in _BATCH_COLUMNS)
        memory.execute("BEGIN")
        memory.executemany(f"INSERT INTO batch_rows VALUES ({marks})", zip(*batch, strict=True))
        memory.execute("COMMIT")
        return SqliteBatch(len(batch.kinds), organizations_among(batch.kinds), memory.serialize())
    finally:
        memory.close()


class SqliteSeedWriter:
    """Copies batch images into `signatures`, committing every COMMIT_EVERY rows, each commit
    synced (synchronous=FULL) and counted in the campaign's counters.

    When no other connection has the database open, the writer switches it from WAL to a
    rollback journal for the seed and back to WAL at the end. A rollback journal keeps only the
    pages that existed before a transaction, and the seed's pages are nearly all new: each is
    written once, into the database file, where WAL writes it to the WAL and then again when
    checkpointing (a million rows: 1.5–2 µs less CPU a row, most of it the kernel's). If the
    database is in use, as by a running server, the seed writes through WAL as the app does.
    A transaction of COMMIT_EVERY rows holds the write lock for about a second, which the app's
    writers wait out (busy timeout).
    """

    def __init__(self, path: str, plan: SeedPlan, busy_timeout: float) -> None:
        self._plan, self._statement = plan, _copy_statement(plan)  # checks the plan first
        self._connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        self.journal = "wal"
        try:
            self.journal = _rollback_journal_if_alone(self._connection)
            self._connection.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._connection.execute("ATTACH ':memory:' AS seed_batch")
        except BaseException:
            self.close()
            raise
        self._uncommitted = self._uncounted_organizations = 0

    def write(self, batch: SqliteBatch) -> None:
        if self._uncommitted >= COMMIT_EVERY:
            self._commit()
        if not self._connection.in_transaction:
            self._connection.execute("BEGIN IMMEDIATE")
        self._connection.deserialize(batch.image, name="seed_batch")
        self._connection.execute(self._statement)
        self._uncommitted += batch.rows
        self._uncounted_organizations += batch.organizations

    def finish(self) -> None:
        if self._connection.in_transaction:
            self._commit()

    def _commit(self) -> None:
        """Count the transaction's rows in the campaign's counters, and commit them together."""
        update = counter_update(self._plan, self._uncommitted, self._uncounted_organizations)
        if update is not None:
            self._connection.execute(update)
        self._connection.execute("COMMIT")
        self._uncommitted = self._uncounted_organizations = 0

    def close(self) -> None:
        """Roll back what was not committed (after an error), put the database back in WAL
        mode, and close."""
        try:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            if self.journal != "wal":
                # If busy, the app's connections switch to WAL as they open (db/engine.py).
                with contextlib.suppress(sqlite3.OperationalError):
                    self._connection.execute("PRAGMA journal_mode=WAL")
        finally:
            self._connection.close()


def _rollback_journal_if_alone(connection: sqlite3.Connection) -> str:
    """Switch to a rollback journal if no other connection has the database open (leaving WAL
    needs the file to itself; with a busy timeout of 0 it fails at once otherwise). Returns the
    journal mode the writer uses."""
    try:
        return str(connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0])
    except sqlite3.OperationalError:  # database is locked: in use elsewhere
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


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
