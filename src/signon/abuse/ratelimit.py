"""Rate limits and single-use marks, in process memory or shared through Redis.

The embedded default (one process) keeps counters in memory; several processes behind a load
balancer must share them, which is the one job Signon gives Redis. Both stores count the same
way: a fixed window that opens at a key's first hit and lasts `window_seconds`, so a key allows
at most `limit` hits per window (and at most twice that across a window's edge, which is enough
for caps on mail per address or signatures per network).

Keys are an HMAC of the caller's key under the application secret: Redis, its dumps and its
MONITOR output never see an email address or an IP address, and the keys cannot be matched
against a list of addresses without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger(__name__)

KEY_PREFIX = "signon:"
DEFAULT_MAX_KEYS = 100_000
_BUCKET = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


class RateLimitStoreUnavailable(RuntimeError):
    """The shared store could not be reached or answered with an error."""


class RateLimitStore(Protocol):
    async def hit(self, key: str, window_seconds: int) -> int:
        """Count one hit on `key`; return the hits in its current window, this one included."""
        ...

    async def seen(self, key: str, ttl_seconds: int) -> bool:
        """Mark `key` as used for `ttl_seconds`; True if it already was. Atomic."""
        ...

    async def aclose(self) -> None: ...


def _check_seconds(seconds: int) -> None:
    if type(seconds) is not int or seconds <= 0:
        raise ValueError(f"expected a positive whole number of seconds, not {seconds!r}")


class _Entry:
    __slots__ = ("count", "expires_at")

    def __init__(self, expires_at: float) -> None:
        self.expires_at = expires_at
        self.count = 0


class MemoryStore:
    """Counters and marks for one process, bounded in memory.

    Safe under asyncio without locks: no method awaits between reading and writing an entry, so
    no other task runs in between. Entries expire by time; when `max_keys` live entries exist,
    the least recently used one is dropped (a flood of new keys can thus forget old ones, which
    errs towards letting people sign, never towards blocking them).
    """

    def __init__(
        self, *, max_keys: int = DEFAULT_MAX_KEYS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max_keys = max_keys
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()  # LRU first
        self._next_sweep = float("-inf")

    def __len__(self) -> int:
        return len(self._entries)

    async def hit(self, key: str, window_seconds: int) -> int:
        _check_seconds(window_seconds)
        entry = self._live_entry(("hit", key), window_seconds)
        entry.count += 1
        return entry.count

    async def seen(self, key: str, ttl_seconds: int) -> bool:
        _check_seconds(ttl_seconds)
        entry = self._live_entry(("seen", key), ttl_seconds)
        entry.count += 1
        return entry.count > 1

    async def aclose(self) -> None:
        self._entries.clear()

    def _live_entry(self, name: tuple[str, str], lifetime: int) -> _Entry:
        """The unexpired entry for `name`, opened now for `lifetime` seconds if there is none."""
        now = self._clock()
        entry = self._entries.get(name)
        if entry is not None and entry.expires_at > now:
            self._entries.move_to_end(name)
            return entry
        if entry is not None:
            del self._entries[name]
        self._make_room(now)
        entry = self._entries[name] = _Entry(now + lifetime)
        return entry

    def _make_room(self, now: float) -> None:
        if len(self._entries) < self._max_keys:
            return
        if now >= self._next_sweep:  # drop expired entries, at most once a second (O(n))
            for name in [n for n, e in self._entries.items() if e.expires_at <= now]:
                del self._entries[name]
            self._next_sweep = now + 1.0
        while len(self._entries) >= self._max_keys:
            self._entries.popitem(last=False)


class RedisStore:
    """Counters and marks shared by every process through one Redis server.

    Short timeouts: a Redis that hangs must not hold the sign request; the limiter then decides
    whether to let the request through (see `RateLimiter`).
    """

    def __init__(self, url: str, *, prefix: str = KEY_PREFIX, timeout_seconds: float = 0.5) -> None:
        # Imported here: only an installation that configures Redis needs the client library.
        import redis.asyncio
        from redis.exceptions import RedisError

        self._errors = (RedisError, OSError, TimeoutError)
        self._redis = redis.asyncio.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._prefix = prefix

    async def hit(self, key: str, window_seconds: int) -> int:
        _check_seconds(window_seconds)
        name = self._prefix + key
        try:
            # MULTI/EXEC: SET NX EX opens the window with its expiry only if none is open, and
            # INCR keeps that expiry. Redis' clock decides, so processes need not agree on time.
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(name, 0, nx=True, ex=window_seconds)
                pipe.incr(name)
                _, count = await pipe.execute()
        except self._errors as error:
            raise _unavailable(error) from error
        return int(count)

    async def seen(self, key: str, ttl_seconds: int) -> bool:
        _check_seconds(ttl_seconds)
        try:
            created = await self._redis.set(self._prefix + key, 1, nx=True, ex=ttl_seconds)
        except self._errors as error:
            raise _unavailable(error) from error
        return not created

    async def aclose(self) -> None:
        await self._redis.aclose()


def _unavailable(error: Exception) -> RateLimitStoreUnavailable:
    # The message names the kind of failure only: a Redis error can quote the command, and with
    # it a key, which is harmless here but not worth the habit.
    return RateLimitStoreUnavailable(f"rate limit store unavailable: {type(error).__name__}")


class RateLimiter:
    """Named limits over a store, with every caller key hidden under a keyed hash.

    `fail_open` decides what a request gets while the shared store is down: True (the default)
    lets it through and logs a warning, because a petition that stops taking signatures when
    Redis blinks serves its opponents better than a few uncounted requests do. The warning is
    logged at most every `WARN_EVERY_SECONDS`, so an outage under load does not flood the logs.
    """

    WARN_EVERY_SECONDS = 10.0

    def __init__(self, store: RateLimitStore, secret_key: str, *, fail_open: bool = True) -> None:
        self._store = store
        self._key = hmac.new(secret_key.encode(), b"signon.ratelimit.v1", hashlib.sha256).digest()
        self._fail_open = fail_open
        self._next_warning = float("-inf")

    def key_for(self, kind: str, bucket: str, key: str) -> str:
        """The store key for `key` in `bucket`: e.g. `rl:sign-email:3f1c...` (32 hex digits)."""
        if not _BUCKET.fullmatch(bucket):
            raise ValueError(f"a bucket name is short, lower case and plain: {bucket!r}")
        digest = hmac.new(self._key, f"{bucket}\0{key}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{bucket}:{digest[:32]}"

    async def allow(self, bucket: str, key: str, limit: int, window_seconds: int) -> bool:
        """Count this attempt; True while at most `limit` attempts fell in the current window."""
        # The window is part of the key: two limits on one bucket must not share a counter.
        store_key = f"{self.key_for('rl', bucket, key)}:{window_seconds}"
        try:
            count = await self._store.hit(store_key, window_seconds)
        except RateLimitStoreUnavailable as error:
            self._store_down(error, bucket)
            return True
        return count <= limit

    async def seen(self, bucket: str, key: str, ttl_seconds: int) -> bool:
        """Mark `key` used (a form token, say); True if it was already used within the TTL."""
        try:
            return await self._store.seen(self.key_for("seen", bucket, key), ttl_seconds)
        except RateLimitStoreUnavailable as error:
            self._store_down(error, bucket)
            return False

    def _store_down(self, error: RateLimitStoreUnavailable, bucket: str) -> None:
        """Raise again when failing closed; otherwise log, and the caller lets the request pass."""
        if not self._fail_open:
            raise error
        now = time.monotonic()
        if now >= self._next_warning:
            self._next_warning = now + self.WARN_EVERY_SECONDS
            logger.warning("%s; letting requests through (bucket %s)", error, bucket)
