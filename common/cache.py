"""Django's Redis cache backend, with one client (and so one connection pool) per server for the
whole process.

Django makes a new client for every call: building a redis.Redis (and its callbacks table) cost
more CPU than the session read it served, on every request. And Django keeps a cache backend per
thread under WSGI but per request under ASGI, each with pools of its own: under uvicorn every
request opened a new Redis connection (and redis-py looks up its own version in the package
metadata for each one). redis.Redis and its pool are thread-safe, and the pool starts afresh in a
forked child.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


class RedisCacheClient(DjangoRedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        server = self._servers[self._get_connection_pool_index(write)]
        shared = (server, repr(sorted(self._pool_options.items(), key=lambda option: option[0])))
        client = _clients.get(shared)
        if client is None:
            with _clients_lock:
                client = _clients.get(shared)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = _clients[shared] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
