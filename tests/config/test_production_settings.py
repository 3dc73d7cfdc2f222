"""With DEBUG off the defaults hold up in production: HTTPS only, checked by `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "0",
    "SECRET_KEY": "0f3c1e0f6b9a4f2b8d7e6c5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0",
    "ALLOWED_HOSTS": "valuelens.example.org",
    "DATABASE_URL": "postgres://valuelens:secret@127.0.0.1:5432/valuelens",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """manage.py with only these variables: no setting leaks in from the test run."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting(name: str, **env: str) -> str:
    result = manage(
        "shell", "--no-imports", "-c", f"from django.conf import settings; print(settings.{name})", **env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_deployment_check_finds_nothing_with_the_production_defaults():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SESSION_COOKIE_SECURE", "True"),
        ("CSRF_COOKIE_SECURE", "True"),
        ("SECURE_SSL_REDIRECT", "True"),
        ("SECURE_HSTS_SECONDS", "31536000"),
    ],
)
def test_with_debug_off_the_site_is_https_only(name, value):
    assert setting(name) == value


@pytest.mark.parametrize("name", ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"])
def test_one_switch_turns_https_only_off_behind_a_proxy_that_does_it(name):
    assert setting(name, HTTPS_ONLY="0") == "False"
    assert setting("SECURE_HSTS_SECONDS", HTTPS_ONLY="0") == "0"


def test_debug_turns_https_only_off_for_the_quickstart():
    assert setting("SECURE_SSL_REDIRECT", DEBUG="1") == "False"


def test_the_client_address_for_throttling_comes_from_the_proxy_only_behind_one():
    assert setting("REST_FRAMEWORK['NUM_PROXIES']") == "0"
    assert setting("REST_FRAMEWORK['NUM_PROXIES']", BEHIND_TLS_PROXY="1") == "1"


def test_collectstatic_builds_the_manifest_the_production_image_serves(tmp_path):
    # The Dockerfile runs this; the manifest storage follows every file's references (Chart.js
    # names its source map), and one missing file fails the build.
    result = manage("collectstatic", "--noinput", STATIC_ROOT=str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/chartjs/chart-4.6.1.umd.min.*.js"))
