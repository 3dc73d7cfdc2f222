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
