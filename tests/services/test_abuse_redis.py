"""Rate limits shared through a real Redis server, as several Signon processes would share them.

The server is Debian's redis-server, started here on a free port of 127.0.0.1 with persistence
off, in a temporary directory, and stopped afterwards. Without the binary these tests are
skipped, except on CI (CI=true) where that is an error.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from signon.abuse.ratelimit import (
    RateLimiter,
    RateLimitStoreUnavailable,
    RedisStore,
)

pytestmark = pytest.mark.anyio
ON_CI = os.environ.get("CI", "").lower() == "true"
SECRET = "services-test-secret-key-that-is-long-enough"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not answer PING within 15 seconds")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    missing = []
    if not Path(binary).exists():
        missing.append("the redis-server binary (Debian package redis-server)")
    if importlib.util.find_spec("redis") is None:
        missing.append("the redis Python package")
    if missing:
        if ON_CI:
            pytest.fail("CI must test the Redis store; missing: " + ", ".join(missing))
        pytest.skip("missing: " + ", ".join(missing))
    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    command = [
        binary,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--daemonize", "no",
        "--logfile", str(workdir / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Any]:
    """A plain client to look inside Redis; the database starts empty for every test."""
    import redis.asyncio

    raw = redis.asyncio.from_url(redis_url, decode_responses=True)
    await raw.flushdb()
    yield raw
    await raw.aclose()


@pytest.fixture
async def store(redis_url: str, client: Any) -> AsyncIterator[RedisStore]:
    store = RedisStore(redis_url)
    yield store
    await store.aclose()


async def test_hits_are_counted_in_a_window_that_ends(store: RedisStore, client: Any) -> None:
    assert [await store.hit("a", 1) for _ in range(3)] == [1, 2, 3]
    assert 0 < await client.pttl("signon:a") <= 1000  # the window has an end

    for _ in range(100):  # Redis expires the window; wait for it without asserting a timing
        await asyncio.sleep(0.05)
        if not await client.exists("signon:a"):
            break
    assert await store.hit("a", 1) == 1


async def test_a_later_hit_does_not_extend_the_window(store: RedisStore, client: Any) -> None:
    await store.hit("a", 100)
    await client.pexpire("signon:a", 50_000)  # as if half the window had passed

    await store.hit("a", 100)

    assert await client.pttl("signon:a") <= 50_000


async def test_seen_marks_a_key_once_with_a_time_to_live(store: RedisStore, client: Any) -> None:
    assert await store.seen("token", 3600) is False
    assert await store.seen("token", 3600) is True
    assert 3500 < await client.ttl("signon:token") <= 3600


async def test_processes_sharing_redis_share_counts(redis_url: str, client: Any) -> None:
    # Two stores, two connection pools: as two app processes behind one load balancer.
    first, second = RedisStore(redis_url), RedisStore(redis_url)
    try:
        counts = await asyncio.gather(*(store.hit("crowd", 60) for store in [first, second] * 100))
        marks = await asyncio.gather(*(store.seen("token", 60) for store in [first, second] * 20))
    finally:
        await first.aclose()
        await second.aclose()

    assert sorted(counts) == list(range(1, 201))
    assert marks.count(False) == 1


async def test_the_limiter_allows_exactly_the_limit_across_processes(
    redis_url: str, client: Any
) -> None:
    stores = [RedisStore(redis_url), RedisStore(redis_url)]
    limiters = [RateLimiter(store, SECRET) for store in stores]
    try:
        results = await asyncio.gather(
            *(limiter.allow("sign-ip", "198.51.100.1", 25, 60) for limiter in limiters * 50)
        )
    finally:
        for store in stores:
            await store.aclose()

    assert results.count(True) == 25


async def test_redis_never_sees_an_email_or_an_ip_address(store: RedisStore, client: Any) -> None:
    limiter = RateLimiter(store, SECRET)
    await limiter.allow("sign-email", "alice.supporter@example.org", 3, 3600)
    await limiter.allow("sign-ip", "203.0.113.77", 30, 60)
    await limiter.allow("sign-ip", "2001:db8::17", 30, 60)
    await limiter.seen("form-token", "c0ffee-token-id", 86400)

    keys = await client.keys("*")
    dump = " ".join(keys) + " ".join([str(await client.get(key)) for key in keys])

    assert len(keys) == 4
    assert all(key.startswith("signon:") for key in keys)
    for secret_part in ("alice", "example.org", "203.0.113", "2001:db8", "c0ffee"):
        assert secret_part not in dump


async def test_an_unreachable_redis_is_reported_not_raised_raw(redis_url: str) -> None:
    # `redis_url` only for its skip rule: this test needs the client library, not the server.
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)
    try:
        with pytest.raises(RateLimitStoreUnavailable):
            await store.hit("a", 60)
        with pytest.raises(RateLimitStoreUnavailable):
            await store.seen("a", 60)
        # The default policy: while Redis is down, people can still sign.
        assert await RateLimiter(store, SECRET).allow("sign-ip", "203.0.113.7", 1, 60) is True
    finally:
        await store.aclose()
