"""Every benchmark runs at its --smoke size, as a process of its own on the suite's PostgreSQL
and Redis: a change that breaks a benchmark's set-up (a new column, a renamed service) fails here,
not on the day someone measures. The figures at that size mean nothing and are not checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg2
import pytest
from django.conf import settings

from tests.conftest import REPO
from tests.support.processes import NOT_INHERITED

# What each benchmark starts besides itself, as the suite's markers name it.
MARKS = {
    "generation_throughput": [pytest.mark.worker],
    "judge_agreement": [pytest.mark.worker],
    "webhooks": [pytest.mark.worker],
    # One start of the quickstart, whose first judgeable item is the local model's first answer.
    "quickstart_ready": [pytest.mark.quickstart, pytest.mark.local_model, pytest.mark.timeout(900)],
}
BENCHMARKS = sorted(p.stem for p in (REPO / "benchmarks").glob("*.py") if not p.name.startswith("_"))


def _admin_url() -> tuple[str, str]:
    db = settings.DATABASES["default"]
    # The suite's own database name (pytest-django's copy is test_<name>) keeps these apart from
    # a full benchmark run's databases and from another checkout's suite on the same server.
    name = db["NAME"].removeprefix("test_")
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/postgres", name


def _drop(admin_url: str, *, like: str) -> None:
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [like])
        for (name,) in cur.fetchall():
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(scope="module")
def bench_env() -> Iterator[dict[str, str]]:
    """The benchmarks' environment, and one migrated database that each copies instead of migrating."""
    admin_url, name = _admin_url()
    prefix, template = f"{name}_smoke_", f"{name}_smoke_template"
    _drop(admin_url, like=f"{prefix}%")
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{template}"')
    conn.close()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=REPO,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": "benchmark-smoke",
            "DATABASE_URL": f"{admin_url.rsplit('/', 1)[0]}/{template}",
        },
        check=True,
    )
    redis_url = os.environ["CELERY_BROKER_URL"]
    yield {
        **env,
        "BENCH_PG_ADMIN": admin_url,
        "BENCH_DB_PREFIX": prefix,
        "BENCH_DB_TEMPLATE": template,
        "BENCH_BROKER_URL": redis_url,
        "BENCH_CACHE_URL": redis_url,
    }
    _drop(admin_url, like=f"{prefix}%")


@pytest.mark.parametrize("name", [pytest.param(n, marks=MARKS.get(n, [])) for n in BENCHMARKS])
def test_the_benchmark_runs_at_its_smoke_size_and_ends_with_its_bench_line(name: str, bench_env):
    done = subprocess.run(
        [sys.executable, f"benchmarks/{name}.py", "--smoke"],
        cwd=REPO,
        env=bench_env,
        capture_output=True,
        text=True,
        check=False,
    )

    tail = f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert done.returncode == 0, tail
    bench = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    assert bench, tail
    figures = json.loads(bench[-1].removeprefix("BENCH "))
    assert name in (figures.get("name"), figures.get("benchmark")), figures
