"""Group commit: many requests' writes in one transaction, each request answered after it commits.

Signing and confirming are small writes that arrive in crowds. One transaction per request makes
them queue for SQLite's single write lock (and costs PostgreSQL a round trip per statement per
request). Here each process has one writer per kind of write: requests put their item on a
queue and wait; the writer takes everything queued, applies it as one batch in one transaction,
and answers every waiting request only once that transaction has committed. Nothing is
acknowledged before it is durable, and nothing waits on purpose: a batch is whatever arrived
while the previous one was being written.

If a batch fails as a whole, its items are retried one by one, so one bad item fails only its
own request.

A writer writes one batch at a time; `writers` > 1 lets several batches be in flight at once,
which suits PostgreSQL (a batch mostly waits for the server, and the database orders them by row
locks) and not SQLite (one file, one writer at a time).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_BATCH = 256
MAX_RETRIES = 20  # a batch asking again and again for the same item is a bug: fail that item


@dataclass(frozen=True, slots=True)
class Retry:
    """A batch's answer for an item it could not settle this time (for example, two items for
    the same address in one batch): the item goes into the next batch."""


RETRY = Retry()

ApplyBatch = Callable[[Sequence[Item]], Awaitable[Sequence["Result | Retry | BaseException"]]]


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self, apply_batch: ApplyBatch[Item], max_batch: int = MAX_BATCH, writers: int = 1
    ) -> None:
        self._apply_batch = apply_batch
        self._max_batch = max_batch
        self._writers = writers
        self._queue: list[_Entry[Item, Result]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append(_Entry(item, future))
        if len(self._running) < self._writers:
            writer = asyncio.create_task(self._drain())
            self._running.add(writer)
            writer.add_done_callback(self._running.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                retry = await self._settle(batch)
                # Items put back go first, so the order of arrival is kept.
                self._queue[:0] = retry
        finally:
            # In the same step as the last look at the queue (no await between): an item queued
            # after this starts a writer of its own, and none is left waiting for nobody.
            self._running.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def _settle(self, batch: list[_Entry[Item, Result]]) -> list[_Entry[Item, Result]]:
        try:
            outcomes = await self._apply_batch([entry.item for entry in batch])
        except Exception as error:
            if len(batch) == 1:
                _answer(batch[0].future, error)
                return []
            log.warning("a batch of %d writes failed (%r); retrying one by one", len(batch), error)
            retry = []
            for entry in batch:
                retry += await self._settle([entry])
            return retry
        retry = []
        for entry, outcome in zip(batch, outcomes, strict=True):
            if not isinstance(outcome, Retry):
                _answer(entry.future, outcome)
            elif entry.retries >= MAX_RETRIES:
                _answer(entry.future, RuntimeError("a write kept being deferred to the next batch"))
            else:
                entry.retries += 1
                retry.append(entry)
        return retry


@dataclass(slots=True)
class _Entry(Generic[Item, Result]):
    item: Item
    future: asyncio.Future[Result]
    retries: int = 0


def _answer(future: asyncio.Future[Result], outcome: Result | BaseException) -> None:
    if future.done():  # the request went away (client disconnected); the write stands
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
