"""Test settings: the suite runs against real PostgreSQL and Redis (see scripts/test.sh)."""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/valuelens")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# Under pytest-xdist (scripts/test.sh runs -n 2) each process gets its own test database from
# pytest-django, and here its own Redis database: worker gwN uses the one N below the given
# (15, 14 by default), since the tests empty theirs between tests. Set in the environment, so that
# the workers and processes the tests start inherit it; once, as those inherit the worker's name too.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker not in ("", "gw0") and os.environ.get("VALUELENS_TEST_REDIS_OF") != _xdist_worker:
    _broker, _, _db = os.environ["CELERY_BROKER_URL"].rpartition("/")
    if _broker.startswith("redis://") and _db.isdigit():
        _shift = int(_xdist_worker.removeprefix("gw"))
        os.environ["CELERY_BROKER_URL"] = f"{_broker}/{(int(_db) - _shift) % 16}"
    os.environ["VALUELENS_TEST_REDIS_OF"] = _xdist_worker
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# Per process, as before the quickstart moved its cache to the embedded Valkey.
os.environ.setdefault("CACHE_URL", "locmemcache://")

from config.settings.base import *  # noqa: F403, E402 (after the environment above)
from config.settings.base import (  # noqa: E402
    AUTHENTICATION_BACKENDS,
    DATABASES,
    REST_FRAMEWORK,
    SILENCED_SYSTEM_CHECKS,
    STORAGES,
)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Live-server browser tests have no collectstatic manifest.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, as in the quickstart (WAL, IMMEDIATE transactions), not a shared in-memory database:
    # the generation engine writes from its own thread.
    import tempfile

    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/valuelens_test_{os.getpid()}.sqlite3"}

# The test client and the live server speak plain HTTP; the production defaults are tested in a
# subprocess (tests/config/test_production_settings.py).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Browser tests log in often from 127.0.0.1, and schemathesis sends hundreds of requests; the
# throttle tests set their own rates and login budget.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(("anon", "user"), "100000/min"),
}
AXES_FAILURE_LIMIT = 100_000
# Django's test client logs in through authenticate() with no request, which axes refuses; this
# subclass lets that one caller through and counts every request as production does.
AUTHENTICATION_BACKENDS = ["tests.config.login_budget.TestClientAxesBackend", *AUTHENTICATION_BACKENDS[1:]]
# The test cache is per process on purpose (see CACHE_URL above); the live server runs in this
# process, so the browser tests' logins are counted in the same place as their requests.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "axes.W001"]
