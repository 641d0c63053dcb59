"""Rate limits in memory: exact counts, windows that end, bounded memory, hidden keys."""

from __future__ import annotations

import asyncio
import logging

import pytest

from signon.abuse.ratelimit import (
    MemoryStore,
    RateLimiter,
    RateLimitStoreUnavailable,
)

pytestmark = pytest.mark.anyio
SECRET = "unit-test-secret-key-that-is-long-enough"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class DownStore:
    """A shared store that cannot be reached."""

    async def hit(self, key: str, window_seconds: int) -> int:
        raise RateLimitStoreUnavailable("rate limit store unavailable: ConnectionError")

    async def seen(self, key: str, ttl_seconds: int) -> bool:
        raise RateLimitStoreUnavailable("rate limit store unavailable: ConnectionError")

    async def aclose(self) -> None:
        pass


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> MemoryStore:
    return MemoryStore(clock=clock)


async def test_hits_are_counted_per_key(store: MemoryStore) -> None:
    assert [await store.hit("a", 60) for _ in range(3)] == [1, 2, 3]
    assert await store.hit("b", 60) == 1


async def test_a_window_lasts_its_length_from_the_first_hit(
    store: MemoryStore, clock: Clock
) -> None:
    await store.hit("a", 60)
    clock.advance(59.9)
    assert await store.hit("a", 60) == 2  # a later hit does not extend the window
    clock.advance(0.1)
    assert await store.hit("a", 60) == 1


async def test_seen_marks_a_key_once_until_it_expires(store: MemoryStore, clock: Clock) -> None:
    assert await store.seen("token", 3600) is False
    assert await store.seen("token", 3600) is True
    assert await store.seen("other", 3600) is False
    clock.advance(3600)
    assert await store.seen("token", 3600) is False


async def test_counters_and_marks_do_not_share_keys(store: MemoryStore) -> None:
    await store.hit("k", 60)

    assert await store.seen("k", 60) is False


@pytest.mark.parametrize("seconds", [0, -1, 1.5, True])
async def test_a_window_is_a_positive_whole_number_of_seconds(
    store: MemoryStore, seconds: object
) -> None:
    with pytest.raises(ValueError):
        await store.hit("a", seconds)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await store.seen("a", seconds)  # type: ignore[arg-type]


async def test_memory_is_bounded_by_dropping_the_least_recently_used(clock: Clock) -> None:
    store = MemoryStore(max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        await store.hit(key, 60)
    await store.hit("a", 60)  # "b" is now the least recently used

    await store.hit("d", 60)

    assert len(store) == 3
    assert await store.hit("a", 60) == 3  # kept
    assert await store.hit("b", 60) == 1  # forgotten, starts again


async def test_expired_entries_make_room_before_live_ones_are_dropped(clock: Clock) -> None:
    store = MemoryStore(max_keys=3, clock=clock)
    await store.hit("long", 3600)
    await store.hit("short-1", 10)
    await store.hit("short-2", 10)
    clock.advance(11)

    await store.hit("new", 60)

    assert len(store) == 2
    assert await store.hit("long", 3600) == 2  # the oldest, but still live: kept


async def test_many_keys_stay_within_the_bound(clock: Clock) -> None:
    store = MemoryStore(max_keys=1000, clock=clock)
    for n in range(5000):
        await store.hit(f"k{n}", 60)
        await store.seen(f"t{n}", 60)

    assert len(store) == 1000


async def test_concurrent_hits_are_all_counted(store: MemoryStore) -> None:
    counts = await asyncio.gather(*(store.hit("crowd", 60) for _ in range(500)))

    assert sorted(counts) == list(range(1, 501))


async def test_concurrent_marks_let_exactly_one_through(store: MemoryStore) -> None:
    results = await asyncio.gather(*(store.seen("token", 60) for _ in range(100)))

    assert results.count(False) == 1


async def test_the_limiter_allows_exactly_the_limit_per_window(
    store: MemoryStore, clock: Clock
) -> None:
    limiter = RateLimiter(store, SECRET)

    first = [await limiter.allow("sign-email", "a@example.org", 3, 3600) for _ in range(5)]
    other = await limiter.allow("sign-email", "b@example.org", 3, 3600)
    clock.advance(3600)
    later = await limiter.allow("sign-email", "a@example.org", 3, 3600)

    assert first == [True, True, True, False, False]
    assert other is True
    assert later is True


async def test_a_limit_of_zero_allows_nothing(store: MemoryStore) -> None:
    assert await RateLimiter(store, SECRET).allow("b", "k", 0, 60) is False


async def test_buckets_and_windows_count_separately(store: MemoryStore) -> None:
    limiter = RateLimiter(store, SECRET)
    await limiter.allow("sign-ip", "203.0.113.7", 1, 60)

    assert await limiter.allow("sign-ip", "203.0.113.7", 1, 60) is False
    assert await limiter.allow("sign-email", "203.0.113.7", 1, 60) is True
    assert await limiter.allow("sign-ip", "203.0.113.7", 1, 3600) is True


async def test_the_limiter_marks_keys_once(store: MemoryStore) -> None:
    limiter = RateLimiter(store, SECRET)

    assert await limiter.seen("form-token", "abc", 86400) is False
    assert await limiter.seen("form-token", "abc", 86400) is True
    assert await limiter.seen("other-bucket", "abc", 86400) is False


async def test_concurrent_limited_requests_let_exactly_the_limit_through(
    store: MemoryStore,
) -> None:
    limiter = RateLimiter(store, SECRET)

    results = await asyncio.gather(
        *(limiter.allow("sign-ip", "198.51.100.1", 10, 60) for _ in range(100))
    )

    assert results.count(True) == 10


def test_store_keys_hide_the_caller_key() -> None:
    limiter = RateLimiter(MemoryStore(), SECRET)

    key = limiter.key_for("rl", "sign-email", "alice@example.org")

    assert "alice" not in key
    assert "example" not in key
    assert key.startswith("rl:sign-email:")
    assert len(key.rsplit(":", 1)[1]) == 32


def test_store_keys_depend_on_the_secret_and_the_bucket() -> None:
    one = RateLimiter(MemoryStore(), SECRET)
    two = RateLimiter(MemoryStore(), "another-secret-key-that-is-long-enough")

    assert one.key_for("rl", "b", "k") == one.key_for("rl", "b", "k")
    assert one.key_for("rl", "b", "k") != two.key_for("rl", "b", "k")
    assert one.key_for("rl", "b", "k").split(":")[-1] != one.key_for("rl", "c", "k").split(":")[-1]


async def test_the_memory_store_holds_no_raw_key(store: MemoryStore) -> None:
    limiter = RateLimiter(store, SECRET)
    await limiter.allow("sign-email", "alice@example.org", 3, 60)
    await limiter.seen("form-token", "token-id-123", 60)

    held = repr(list(store._entries))
    assert "alice" not in held
    assert "token-id-123" not in held


@pytest.mark.parametrize("bucket", ["", "Sign", "sign email", "a:b", "x" * 41, "ünï"])
def test_bucket_names_are_plain(bucket: str) -> None:
    with pytest.raises(ValueError):
        RateLimiter(MemoryStore(), SECRET).key_for("rl", bucket, "k")


async def test_an_unreachable_store_lets_requests_through_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RateLimiter(DownStore(), SECRET)

    with caplog.at_level(logging.WARNING, logger="signon.abuse.ratelimit"):
        allowed = await limiter.allow("sign-ip", "203.0.113.7", 1, 60)
        seen = await limiter.seen("form-token", "abc", 60)

    assert allowed is True
    assert seen is False
    assert "unavailable" in caplog.text
    assert "203.0.113.7" not in caplog.text


async def test_an_outage_under_load_does_not_flood_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RateLimiter(DownStore(), SECRET)

    with caplog.at_level(logging.WARNING, logger="signon.abuse.ratelimit"):
        for _ in range(100):
            assert await limiter.allow("sign-ip", "203.0.113.7", 1, 60)

    assert len(caplog.records) == 1


async def test_failing_closed_raises_instead() -> None:
    limiter = RateLimiter(DownStore(), SECRET, fail_open=False)

    with pytest.raises(RateLimitStoreUnavailable):
        await limiter.allow("sign-ip", "203.0.113.7", 1, 60)
    with pytest.raises(RateLimitStoreUnavailable):
        await limiter.seen("form-token", "abc", 60)


async def test_closing_the_memory_store_forgets_everything(store: MemoryStore) -> None:
    await store.hit("a", 60)
    await store.aclose()

    assert len(store) == 0
