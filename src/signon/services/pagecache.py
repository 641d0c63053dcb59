"""What every visitor of a campaign sees, held in memory per process for about a second.

The campaign page and the count JSON are what a viral campaign's watchers reload; reading the
campaign row and the first page of each list once a second per process, instead of once per
request, is what lets them scale. Counts are therefore up to `ttl` seconds old; everything a
person changes (signing, confirming, moderating) is written at once, only its public echo lags.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

MAX_ENTRIES = 10_000


class PageCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._loading: dict[Hashable, asyncio.Future[Any]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        if self.ttl <= 0:
            return await load()
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        if key in self._loading:  # one load per key at a time: the others wait for it
            return await asyncio.shield(self._loading[key])
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        finally:
            current = self._loading.get(key) is future
            if current:
                del self._loading[key]
        if current:  # not forgotten while loading: what it read is still the latest
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now, value)
        future.set_result(value)
        return value

    def forget(self, key: Hashable) -> None:
        """Drop what is held for `key`, after a change to it, so the next reader of this
        process sees the change (other processes see it within `ttl`). A load under way may
        have read the old data: its result is handed to those already waiting, not kept."""
        self._entries.pop(key, None)
        self._loading.pop(key, None)
