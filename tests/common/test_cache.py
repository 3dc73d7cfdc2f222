from __future__ import annotations

import os

from common.cache import RedisCache


def test_the_redis_cache_reuses_one_client_and_still_reads_what_it_wrote():
    url = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
    cache = RedisCache(url if url.startswith("redis://") else "redis://127.0.0.1:6379/12", {})

    cache.set("valuelens-test-key", {"n": 1}, 5)

    assert cache._cache.get_client() is cache._cache.get_client()
    assert cache.get("valuelens-test-key") == {"n": 1}
    cache.delete("valuelens-test-key")


def test_two_cache_backends_of_one_server_share_one_connection_pool():
    # Django makes a backend per request under ASGI: each must not open connections of its own.
    url = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
    server = url if url.startswith("redis://") else "redis://127.0.0.1:6379/12"
    first, second = RedisCache(server, {}), RedisCache(server, {})

    first.set("valuelens-test-shared", 1, 5)

    assert second._cache.get_client().connection_pool is first._cache.get_client().connection_pool
    assert second.get("valuelens-test-shared") == 1
    second.delete("valuelens-test-shared")


def test_cache_backends_of_two_servers_keep_their_own_pools():
    first = RedisCache("redis://127.0.0.1:6379/12", {})
    other = RedisCache("redis://127.0.0.1:6379/11", {})

    assert other._cache.get_client().connection_pool is not first._cache.get_client().connection_pool
