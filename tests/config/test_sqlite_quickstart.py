from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def test_concurrent_writers_on_the_quickstart_sqlite_database_wait_instead_of_failing(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }

    result = subprocess.run(
        [sys.executable, "-m", "tests.support.sqlite_claims"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "errors: []" in result.stdout
