"""Is a Celery worker alive? Asked of the workers themselves (Celery's ping over the broker).

The answer is cached for a few seconds in the shared cache, so that the pages of many admins cost
one broadcast between them, and the ping waits at most PING_TIMEOUT_S: a page never waits longer.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from config.celery_app import app

logger = logging.getLogger(__name__)

CACHE_KEY = "celery:workers-alive"
CACHE_TTL_S = 10
PING_TIMEOUT_S = 0.5


def workers_alive_count() -> int:
    """How many workers answered a ping just now (or within the last CACHE_TTL_S seconds)."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return cached
    try:
        count = len(app.control.ping(timeout=PING_TIMEOUT_S) or [])
    except Exception:
        # A broker that cannot be reached has no worker behind it either.
        logger.warning("Celery ping failed", exc_info=True)
        count = 0
    cache.set(CACHE_KEY, count, CACHE_TTL_S)
    return count
