"""`signon export` in several processes: workers read, decrypt and format slices of the list
(ranges of ids) through their own database connections; the parent writes their CSV in order.

One process spends some 13 µs a row (fetch, decrypt, JSON, cells, CSV), so a million rows
take two cores to export at 100,000 rows/s. The workers are forked once the command's code,
settings and keys are loaded, so each starts in milliseconds and shares those pages with the
parent, and before the parent opens a connection or starts a thread, so no connection or held
lock is copied into them. Each worker has at most AHEAD slices in flight and a slice is at
most SLICE_IDS rows, so memory stays flat however long the list and however slowly the output
is read. The rows and their CSV come from the same code as the organizers' download
(exportrows.slice_query, exportrows.signature_csv): the bytes are the same.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import multiprocessing
import os
import socket
import sqlite3
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import suppress
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from sqlalchemy import Select, make_url
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from signon.crypto import Keyring
from signon.db.engine import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, postgres_connect_args
from signon.exportrows import ExportFilters, signature_csv, slice_query

SLICE_IDS = 1_000  # a slice's rows, its decrypted data and its CSV: some 5 MB in a worker
AHEAD = 2
ANSWER_BUFFER_BYTES = 1 << 20  # a slice's CSV is some 200 KB
MAX_WORKERS = 4
# glibc's mallopt parameters, and the values a worker sets (see _reuse_freed_memory).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
TRIM_THRESHOLD_BYTES, MMAP_THRESHOLD_BYTES = 64 << 20, 16 << 20


class ExportWorkerError(Exception):
    """A worker could not export its slice; the message carries its traceback."""


def worker_count() -> int:
    """One more than the cores: a worker waiting for its rows (PostgreSQL's to send them, the
    disk's, or the parent's turn to take its answers) leaves a core to the others. On two
    cores, a third worker exported a million rows faster in each of four alternating pairs on
    PostgreSQL (by 1–18%, 5% in the median pair) and in two of three on SQLite."""
    return max(1, min((os.cpu_count() or 1) + 1, MAX_WORKERS))


def _driver_statement(query: Select[Any], dialect: Dialect) -> tuple[str, Any]:
    """The query as the driver takes it, and a function of (low, high) giving its positional
    parameters, processed by their column types as SQLAlchemy would (IN lists expanded)."""
    compiled = query.compile(dialect=dialect)
    processors = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }
    sql = compiled.construct_expanded_state({"low": 0, "high": 0}).statement

    def parameters(low: int, high: int) -> list[Any]:
        state = compiled.construct_expanded_state({"low": low, "high": high})
        values = []
        for name, value in zip(state.positiontup or (), state.positional_parameters, strict=True):
            process = state.processors.get(name) or processors.get(name)
            values.append(process(value) if process else value)
        return values

    return sql, parameters


class _SqliteSlices:
    def __init__(self, url: str) -> None:
        database = make_url(url).database
        self._connection = sqlite3.connect(
            database or "", timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        self.dialect: Dialect = sqlite.dialect()

    def rows(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        return self._connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        self._connection.close()


class _PostgresSlices:
    """asyncpg itself (its records are tuples enough), connected as SQLAlchemy would."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._engine = create_async_engine(
            url, poolclass=NullPool, connect_args=postgres_connect_args()
        )
        self.dialect = self._engine.dialect
        self._connection: AsyncConnection = self._loop.run_until_complete(self._engine.connect())
        raw = self._loop.run_until_complete(self._connection.get_raw_connection())
        self._driver = raw.driver_connection

    def rows(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        return self._loop.run_until_complete(self._driver.fetch(sql, *parameters))  # type: ignore[union-attr]

    def close(self) -> None:
        self._loop.run_until_complete(self._connection.close())
        self._loop.run_until_complete(self._engine.dispose())
        self._loop.close()


def _reuse_freed_memory() -> None:
    """Keep the memory of one slice for the next, rather than give it back and take it again.

    A slice's text is built in strings of some hundred kilobytes, which glibc's malloc serves
    from fresh mappings and, freed, unmaps or trims off its heap: every slice then faulted its
    pages in anew (some 400,000 faults and 1.5 s of system CPU a million rows). Memory stays
    bounded: what is kept is what a slice took at most. Elsewhere than glibc this does nothing.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)


def _serve(pipe: Connection, database_url: str, keyring: Keyring) -> None:
    """A worker: takes (campaign id, filters, low, high), answers (rows, None) and the slice's
    CSV as UTF-8, or (0, traceback); stops at None or when the parent is gone."""
    _reuse_freed_memory()
    source: _SqliteSlices | _PostgresSlices | None = None
    statements: dict[tuple[int, ExportFilters], tuple[str, Any]] = {}
    try:
        while (task := pipe.recv()) is not None:
            campaign_id, filters, low, high = task
            try:
                if source is None:
                    is_lite = is_sqlite(database_url)
                    source = (_SqliteSlices if is_lite else _PostgresSlices)(database_url)
                if (campaign_id, filters) not in statements:
                    query = slice_query(campaign_id, filters, is_sqlite(database_url))
                    statements[campaign_id, filters] = _driver_statement(query, source.dialect)
                sql, parameters = statements[campaign_id, filters]
                rows = source.rows(sql, parameters(low, high))
                data = signature_csv(keyring, rows)
            except Exception:
                pipe.send((0, traceback.format_exc()))
                continue
            pipe.send((len(rows), None))
            pipe.send_bytes(data)
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent stopped, or is gone
    finally:
        if source is not None:
            source.close()


def _room_for_answers(end: Connection) -> None:
    """Lets a worker hand over a slice's CSV and start on its next one while the parent is
    still writing earlier ones, rather than wait for it (the system may cap the size)."""
    with socket.fromfd(end.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as duplicate:
        duplicate.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, ANSWER_BUFFER_BYTES)


class ExportWorkers:
    """A few forked processes that export id ranges of a campaign; used as a context manager."""

    def __init__(
        self,
        database_url: str,
        keyring: Keyring,
        count: int | None = None,
        slice_ids: int = SLICE_IDS,
    ) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # as it should be: a forked worker cannot start its own loop inside one
        else:
            raise RuntimeError("ExportWorkers must be created before the event loop starts")
        self.slice_ids = slice_ids
        if not is_sqlite(database_url):
            # Imports asyncpg and SQLAlchemy's dialect for it here, once, rather than in each
            # worker (some 10 MB and 0.1 s apiece); it opens no connection.
            create_async_engine(
                database_url, poolclass=NullPool, connect_args=postgres_connect_args()
            )
        context = multiprocessing.get_context("fork")
        # What exists now stays shared with the workers: no collection in them copies it.
        gc.freeze()
        self._pipes: list[Connection] = []
        self._processes = []
        for _ in range(count or worker_count()):
            parent_end, child_end = context.Pipe()
            _room_for_answers(child_end)
            process = context.Process(
                target=_serve, args=(child_end, database_url, keyring), daemon=True
            )
            process.start()
            child_end.close()
            self._pipes.append(parent_end)
            self._processes.append(process)

    def __enter__(self) -> ExportWorkers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def slices(
        self, campaign_id: int, filters: ExportFilters, first_id: int, last_id: int
    ) -> Iterator[tuple[int, bytes]]:
        """(rows, CSV bytes) of each slice from first_id to last_id, in id order.

        Slice n goes to worker n modulo their number, so the answers are read back in order
        from the workers in turn; each has at most AHEAD slices waiting.
        """
        starts = iter(range(first_id, last_id + 1, self.slice_ids))
        pending: deque[Connection] = deque()

        def send_next(pipe: Connection) -> None:
            low = next(starts, None)
            if low is not None:
                pipe.send((campaign_id, filters, low, min(low + self.slice_ids, last_id + 1)))
                pending.append(pipe)

        for _ in range(AHEAD):
            for pipe in self._pipes:
                send_next(pipe)
        while pending:
            pipe = pending.popleft()
            rows, failure = pipe.recv()
            if failure is not None:
                raise ExportWorkerError(failure)
            data = pipe.recv_bytes()
            send_next(pipe)
            yield rows, data

    def close(self) -> None:
        for pipe in self._pipes:
            with suppress(OSError):  # that worker is gone already
                pipe.send(None)
            pipe.close()
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
