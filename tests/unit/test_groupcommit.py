"""Group commit: requests that arrive together share one batch, each answered with its own
outcome only after the batch is written; a failing batch fails only its faulty items."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from signon.services.groupcommit import MAX_RETRIES, RETRY, GroupCommit, Retry

pytestmark = pytest.mark.anyio


class Recorder:
    """A batch writer that records what it was given, slow enough for a crowd to gather."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.written: list[int] = []

    async def __call__(self, items: Sequence[int]) -> list[int | Retry | BaseException]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)
        if any(item < 0 for item in items):
            raise RuntimeError("the whole batch rolled back")
        self.written += items
        return [item * 10 for item in items]


async def test_a_crowd_is_written_in_few_batches_and_each_gets_its_own_answer() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit(recorder)
    results = await asyncio.gather(*(writer.submit(n) for n in range(100)))
    assert results == [n * 10 for n in range(100)]
    assert sorted(recorder.written) == list(range(100))
    assert len(recorder.batches) <= 3  # the first alone, then everyone who arrived meanwhile


async def test_an_answer_comes_only_after_its_batch_is_written() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit(recorder)
    assert await writer.submit(7) == 70
    assert recorder.written == [7]


async def test_a_failing_batch_is_retried_one_by_one_so_only_the_bad_item_fails() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit(recorder)
    await writer.submit(0)  # the next ones gather into one batch
    outcomes = await asyncio.gather(*(writer.submit(n) for n in (1, -1, 2)), return_exceptions=True)
    assert outcomes[0] == 10 and outcomes[2] == 20
    assert isinstance(outcomes[1], RuntimeError)
    assert sorted(recorder.written) == [0, 1, 2]


async def test_an_item_asked_again_goes_into_the_next_batch() -> None:
    seen: list[list[str]] = []

    async def once_per_batch(items: Sequence[str]) -> list[str | Retry | BaseException]:
        seen.append(list(items))
        taken: set[str] = set()
        outcomes: list[str | Retry | BaseException] = []
        for item in items:
            outcomes.append(RETRY if item in taken else f"{item}#{len(seen)}")
            taken.add(item)
        return outcomes

    writer: GroupCommit[str, str] = GroupCommit(once_per_batch)
    results = await asyncio.gather(writer.submit("a"), writer.submit("a"), writer.submit("b"))
    assert results == ["a#1", "a#2", "b#1"]


async def test_an_item_deferred_forever_fails_instead_of_hanging() -> None:
    async def never(items: Sequence[str]) -> list[str | Retry | BaseException]:
        return [RETRY for _ in items]

    writer: GroupCommit[str, str] = GroupCommit(never)
    with pytest.raises(RuntimeError, match="deferred"):
        await asyncio.wait_for(writer.submit("x"), timeout=5)
    assert MAX_RETRIES > 1


async def test_a_request_that_goes_away_does_not_undo_or_break_the_batch() -> None:
    recorder = Recorder()
    writer: GroupCommit[int, int] = GroupCommit(recorder)
    first = asyncio.ensure_future(writer.submit(1))
    second = asyncio.ensure_future(writer.submit(2))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == 20
    assert sorted(recorder.written) == [1, 2]


async def test_several_writers_keep_several_batches_in_flight() -> None:
    in_flight, most = 0, 0

    async def slow(items: Sequence[int]) -> list[int | Retry | BaseException]:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return list(items)

    writer: GroupCommit[int, int] = GroupCommit(slow, writers=3)

    async def arrive(n: int) -> int:
        await asyncio.sleep(n * 0.001)  # a steady stream, not one crowd
        return await writer.submit(n)

    results = await asyncio.gather(*(arrive(n) for n in range(100)))
    assert results == list(range(100))
    assert most == 3


async def test_an_item_queued_as_the_writer_finishes_is_still_written() -> None:
    async def instant(items: Sequence[int]) -> list[int | Retry | BaseException]:
        return list(items)  # a batch that never waits (SQLite's path, uncontended)

    writer: GroupCommit[int, int] = GroupCommit(instant)

    async def one_after_another() -> list[int]:
        # Awaited directly: each submit lands in the very step after the previous writer ended.
        return [await writer.submit(n) for n in range(20)]

    assert await asyncio.wait_for(one_after_another(), timeout=2) == list(range(20))
