"""Test settings: the suite runs against real PostgreSQL and Redis (see scripts/test.sh)."""

from __future__ import annotations

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/valuelens")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# Per process, as before the quickstart moved its cache to the embedded Valkey.
os.environ.setdefault("CACHE_URL", "locmemcache://")

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, REST_FRAMEWORK, STORAGES

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
# throttle tests set their own rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(("anon", "user", "login"), "100000/min"),
}
