"""The per-process page cache: fresh within its ttl, one load at a time, errors not cached."""

from __future__ import annotations

import asyncio

import pytest

from signon.services.pagecache import PageCache

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_values_are_reused_within_the_ttl_and_reloaded_after() -> None:
    clock, loads = Clock(), []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    cache = PageCache(1.0, clock)
    assert await cache.get("k", load) == 1
    clock.now = 0.9
    assert await cache.get("k", load) == 1
    clock.now = 1.0
    assert await cache.get("k", load) == 2
    assert await cache.get("other", load) == 3


async def test_a_zero_ttl_always_loads() -> None:
    calls = []

    async def load() -> int:
        calls.append(1)
        return 7

    cache = PageCache(0)
    await cache.get("k", load)
    await cache.get("k", load)
    assert len(calls) == 2


async def test_concurrent_misses_share_one_load() -> None:
    release, calls = asyncio.Event(), []

    async def load() -> str:
        calls.append(1)
        await release.wait()
        return "page"

    cache = PageCache(5.0, Clock())
    waiting = [asyncio.create_task(cache.get("k", load)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == ["page"] * 20
    assert len(calls) == 1


async def test_a_failed_load_is_not_cached() -> None:
    attempts = []

    async def load() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database away")
        return "ok"

    cache = PageCache(5.0, Clock())
    with pytest.raises(RuntimeError):
        await cache.get("k", load)
    assert await cache.get("k", load) == "ok"


async def test_a_forgotten_key_is_loaded_again_at_once() -> None:
    clock, loads = Clock(), []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    cache = PageCache(60.0, clock)
    assert await cache.get("k", load) == 1
    assert await cache.get("other", load) == 2
    cache.forget("k")
    assert await cache.get("k", load) == 3
    assert await cache.get("other", load) == 2, "other keys stay held"


async def test_a_load_under_way_when_its_key_is_forgotten_is_not_kept() -> None:
    release = asyncio.Event()
    values = iter(["before the change", "after the change"])

    async def slow_load() -> str:
        value = next(values)
        if value == "before the change":
            await release.wait()
        return value

    cache = PageCache(60.0, Clock())
    early = asyncio.create_task(cache.get("k", slow_load))
    await asyncio.sleep(0)
    cache.forget("k")  # the data changed while the first load was reading it
    assert await cache.get("k", slow_load) == "after the change"
    release.set()
    assert await early == "before the change"
    assert await cache.get("k", slow_load) == "after the change"
