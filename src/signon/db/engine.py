"""Engine factory and the kinds of transaction Signon uses: read, write, and batch.

SQLite (the embedded default) runs in WAL mode with a busy timeout and `synchronous=FULL` (a
commit is on disk before it is acknowledged); write transactions start with BEGIN IMMEDIATE so
that concurrent writers queue for the lock instead of failing half-way with "database is
locked", while read transactions stay deferred and never wait for a writer. PostgreSQL uses
asyncpg with a connection pool sized by settings.

Batches (the group-committed hot paths, see services/groupcommit.py) are plain synchronous Core
code run as one transaction. On PostgreSQL they run through the async connection (`run_sync`);
on SQLite they run on the event loop's own thread through the `sqlite3` module, once this
process holds the writer's turn: a batch is a few statements of microseconds each, and running
them without a thread hop per statement is what keeps the write lock held for so short a time.
The public pages' small indexed reads (`query`) take the same direct path.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy import Connection, Engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 30_000
# The batch connection runs on the event loop's thread and only after taking the writer's
# turn, so it should never wait; if something outside Signon holds the lock, give up soon.
SQLITE_BATCH_BUSY_TIMEOUT_MS = 5_000
_BEGIN_OPTION = "signon_sqlite_begin"
PG_BATCH_WRITERS = 3
PING_AFTER_IDLE_SECONDS = 1.0  # see _ping_after_idle
_RETURNED_AT = "signon_returned_at"
T = TypeVar("T")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, *pragmas: str) -> None:
    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={busy_timeout_ms}",
            "foreign_keys=ON",
            "synchronous=FULL",
            *pragmas,
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def postgres_connect_args() -> dict[str, Any]:
    """asyncpg's arguments for every connection: ISO text for times cast to text, whatever
    the server's or the database's default DateStyle (exports read times so: exports._read)."""
    return {"server_settings": {"DateStyle": "ISO"}}


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if not is_sqlite(url):
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args=postgres_connect_args(),
        )
        _ping_after_idle(engine.sync_engine)
        return engine
    engine = create_async_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_size=pool_size
    )
    _configure_sqlite(engine.sync_engine, SQLITE_BUSY_TIMEOUT_MS)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use if it sat unused for PING_AFTER_IDLE_SECONDS, and
    replace it if the server dropped it (a restart, a failover, an idle timeout).

    SQLAlchemy's pool_pre_ping does this on every checkout: a round trip before every batch
    and request, some 8% of a busy process's work signing. A connection that was in use a
    moment ago is alive; one that was not gets the same check pool_pre_ping would make.
    """

    @event.listens_for(engine.pool, "checkin")
    def _returned(dbapi_connection: object, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _check(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: object) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected), or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError("a pooled connection was dropped") from error
            raise


def _sqlite_batch_engine(url: str) -> Engine:
    sync_url = make_url(url).set(drivername="sqlite")
    engine = sqlalchemy.create_engine(
        sync_url,
        connect_args={"timeout": SQLITE_BATCH_BUSY_TIMEOUT_MS / 1000},
        pool_size=1,
    )
    # A batch's multi-row statements keep a statement journal (to undo just that statement),
    # which past 64 KiB SQLite spills to a new file in /var/tmp: created, written and deleted
    # for most sign batches. The batches are small, so it stays in memory.
    _configure_sqlite(engine, SQLITE_BATCH_BUSY_TIMEOUT_MS, "temp_store=MEMORY")
    return engine


class WriterTurns:
    """SQLite writers take turns through a lock file beside the database (and an asyncio lock
    within the process), so a waiting writer starts the moment the previous one commits.

    SQLite's own lock stays the real guard; without this, a writer that finds it taken sleeps
    in SQLite's busy handler (1, 2, 5, 10, ... ms) and several server processes spend much of
    their time waiting on each other's leftovers.
    """

    def __init__(self, url: str) -> None:
        database = make_url(url).database if is_sqlite(url) else None
        self._path = f"{database}-writer.lock" if database and database != ":memory:" else None
        self._fd: int | None = None
        self._local = asyncio.Lock()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._path is None:
            yield
            return
        async with self._local:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await asyncio.to_thread(fcntl.flock, self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Database:
    """Owns the engine; hands out short transactions. Services decide which kind they need."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size)
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        read_bind = self.engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
        self._reader = async_sessionmaker(read_bind, expire_on_commit=False)
        self._turns = WriterTurns(url)
        self._batch_engine = _sqlite_batch_engine(url) if is_sqlite(url) else None
        self._query_engine = (
            self._batch_engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
            if self._batch_engine is not None
            else None
        )

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @property
    def batch_writers(self) -> int:
        """How many batches one process should have in flight: SQLite writes one at a time;
        a PostgreSQL batch mostly waits on the server, so a few overlap."""
        return 1 if self.is_sqlite else PG_BATCH_WRITERS

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        async with self._turns.turn(), self._writer() as session, session.begin():
            yield session

    async def batch(self, work: Callable[[Connection], T]) -> T:
        """Run `work` (synchronous Core statements) as one write transaction and return its
        result once the transaction has committed."""
        if self._batch_engine is None:
            async with self.engine.begin() as connection:
                return await connection.run_sync(work)
        async with self._turns.turn():
            with self._batch_engine.begin() as connection:
                return work(connection)

    @asynccontextmanager
    async def driver_connection(self) -> AsyncIterator[Any]:
        """PostgreSQL: a pooled connection as asyncpg's own, outside any transaction, for a
        hot path's statements sent as they are (each one commits on its own)."""
        assert not self.is_sqlite
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            try:
                yield driver
            except BaseException:
                # Its errors never reach SQLAlchemy's disconnect check: a connection the
                # server dropped would go back to the pool and fail the next batch too.
                if driver.is_closed():  # type: ignore[union-attr]
                    await connection.invalidate()
                raise

    async def query(self, work: Callable[[Connection], T]) -> T:
        """Run `work` (synchronous Core reads, a few small indexed ones) as one read transaction.
        On SQLite it runs on the event loop's thread: a WAL reader never waits for a writer, and
        such a read takes microseconds, far less than a hop to a driver thread."""
        if self._query_engine is None:
            async with self.engine.connect() as connection:
                return await connection.run_sync(work)
        with self._query_engine.begin() as connection:
            return work(connection)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._reader() as session, session.begin():
            yield session

    async def close_idle_connections(self) -> None:
        """Close the pooled connections not in use; new ones open when needed."""
        await self.engine.dispose()
        if self._batch_engine is not None:
            self._batch_engine.dispose()

    async def dispose(self) -> None:
        await self.close_idle_connections()
        self._turns.close()
