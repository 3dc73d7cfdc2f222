from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def settings_value(expression: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "GENERATION_LIMITER_REDIS_URL",
            "VAR_DIR",
            "SECRET_KEY",
            "DEBUG",
        }
    }
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = settings_value("settings.DEBUG", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_default_database_is_a_sqlite_file_under_var():
    result = settings_value(
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']", DEBUG="1"
    )

    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout
    assert str(REPO / "var" / "valuelens.sqlite3") in result.stdout


def test_the_default_broker_cache_and_limiter_are_the_embedded_valkey_socket_under_var():
    result = settings_value(
        "settings.CELERY_BROKER_URL, settings.CACHES['default']['LOCATION'], settings.GENERATION_LIMITER_REDIS_URL",
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    socket = REPO / "var" / "valkey.sock"
    broker, cache, limiter = result.stdout.split()
    assert broker == f"redis+socket://{socket}"
    assert cache == f"unix://{socket}"
    assert limiter == f"unix://{socket}?db=2"


def test_production_values_come_from_the_environment_alone():
    result = settings_value(
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, settings.ALLOWED_HOSTS",
        DEBUG="0",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://u:p@db:5432/valuelens",
        CELERY_BROKER_URL="redis://redis:6379/0",
        ALLOWED_HOSTS="valuelens.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout
    assert "redis://redis:6379/0" in result.stdout
    assert "valuelens.example.org" in result.stdout
