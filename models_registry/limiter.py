"""A per-model limit on requests in flight that holds across every worker process.

With Redis, the slots are members of a sorted set scored by when they were last renewed; the
holder renews them with its heartbeat (`refresh`), and a slot silent for longer than its lease is
dropped, so a worker killed mid-request gives its slots back by itself within the lease. Without
Redis (the quickstart's embedded broker, one worker process) a process-wide semaphore does it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1])) + 60)
  return 1
end
return 0
"""

# Renews this holder's slots: a slot that was already dropped is not brought back (XX).
REFRESH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[i])
end
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1])) + 60)
return 0
"""

_registry_lock = threading.Lock()


class ConcurrencyLimiter:
    def __init__(self, redis_url: str | None) -> None:
        self._redis_url = redis_url
        self._redis = None
        self._acquire_script = None
        self._refresh_script = None
        # Slots this limiter holds now, by key, with their lease: what `refresh` renews.
        self._held: dict[str, set[str]] = {}
        self._lease_s: dict[str, float] = {}

    async def __aenter__(self) -> ConcurrencyLimiter:
        if self._redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(self._redis_url)
            self._acquire_script = self._redis.register_script(ACQUIRE)
            self._refresh_script = self._redis.register_script(REFRESH)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    @asynccontextmanager
    async def slot(self, key: str, *, limit: int, lease_s: float) -> AsyncIterator[None]:
        """Hold one of `limit` slots: first among this process's threads, then across processes."""
        local = process_semaphore(key, limit)
        await local.acquire()
        try:
            if self._redis is None:
                yield
                return
            token = uuid.uuid4().hex
            await self._acquire(key, token, limit=limit, lease_s=lease_s)
            self._held.setdefault(key, set()).add(token)
            self._lease_s[key] = lease_s
            try:
                yield
            finally:
                self._held[key].discard(token)
                await self._redis.zrem(f"valuelens:slots:{key}", token)
        finally:
            local.release()

    async def refresh(self) -> None:
        """Renew every slot this limiter holds (called by the holder's heartbeat)."""
        if self._refresh_script is None:
            return
        for key, tokens in list(self._held.items()):
            if tokens:
                await self._refresh_script(
                    keys=[f"valuelens:slots:{key}"], args=[self._lease_s[key], *tokens]
                )

    async def _acquire(self, key: str, token: str, *, limit: int, lease_s: float) -> None:
        wait = 0.002
        while not await self._try(key, token, limit=limit, lease_s=lease_s):
            # Polling with a growing, jittered pause: cheap when slots free up quickly, quiet when not.
            await asyncio.sleep(wait * (0.5 + random.random()))  # noqa: S311
            wait = min(wait * 1.5, 0.1)

    async def _try(self, key: str, token: str, *, limit: int, lease_s: float) -> bool:
        assert self._acquire_script is not None
        return bool(await self._acquire_script(keys=[f"valuelens:slots:{key}"], args=[lease_s, limit, token]))


class ProcessSemaphore:
    """An asyncio semaphore shared by the event loops of every thread in this process.

    Celery's thread pool runs one batch per thread, each on its own loop; waiters queue in FIFO
    order, so the batch that started first finishes first and the next batch's requests fill the
    slots it frees, instead of all batches finishing together and leaving the slots idle.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._used = 0
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._used < self._limit and not self._waiters:
                self._used += 1
                return
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, future))
        try:
            await future
        except asyncio.CancelledError:
            with self._lock, contextlib.suppress(ValueError):
                # Not queued any more: a hand-over is under way, and _hand_over gives the slot back.
                self._waiters.remove((loop, future))
            raise

    def release(self) -> None:
        with self._lock:
            while self._waiters:
                loop, future = self._waiters.popleft()
                if not loop.is_closed():
                    # The slot passes straight to the waiter: _used stays as it is.
                    loop.call_soon_threadsafe(self._hand_over, future)
                    return
            self._used -= 1

    def _hand_over(self, future: asyncio.Future[None]) -> None:
        if future.done():
            self.release()
        else:
            future.set_result(None)


_process_semaphores: dict[tuple[str, int], ProcessSemaphore] = {}


def process_semaphore(key: str, limit: int) -> ProcessSemaphore:
    with _registry_lock:
        return _process_semaphores.setdefault((key, limit), ProcessSemaphore(limit))
