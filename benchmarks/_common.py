"""The benchmark scripts' set-up: a scratch PostgreSQL database, Redis for broker and cache,
Django, the --smoke size, seeding in bulk and the BENCH line. The processes a benchmark starts
(Celery workers, the stub server) and free ports come from tests/support/processes.py, which the
tests use too."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.processes import (  # noqa: E402  (the repository is on the path only now)
    NOT_INHERITED,
    free_port,
    port_free,
    processes_stop,
    stub_start,
    worker_start,
)

__all__ = ["NOT_INHERITED", "free_port", "port_free", "processes_stop", "stub_start", "worker_start"]

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
# The suite's smoke runs name their databases apart from a full run's (and from each other
# engineer's), and copy them from one migrated template instead of migrating each.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "")
DB_TEMPLATE = os.environ.get("BENCH_DB_TEMPLATE", "")
# Redis on 127.0.0.1, as production runs: the broker (which the worker benchmarks flush) and the
# cache and session store, each in a database of its own.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12")


def scratch_database(name: str) -> str:
    """Drop and create a PostgreSQL database for one benchmark run; returns its URL."""
    import psycopg2

    name = DB_PREFIX + name
    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{DB_TEMPLATE}"' if DB_TEMPLATE else ""))
    conn.close()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def arguments(parser: argparse.ArgumentParser, *, smoke: dict[str, object]) -> argparse.Namespace:
    """The command line, with --smoke: the tiny size the test suite runs, so that a change that
    breaks a benchmark fails the suite (its figures mean nothing at that size)."""
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny size that only shows the benchmark still runs"
    )
    args = parser.parse_args()
    if args.smoke:
        for option, value in smoke.items():
            setattr(args, option, value)
    return args


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = BROKER_URL
    os.environ["CACHE_URL"] = CACHE_URL
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    # The benchmarks' clients speak plain HTTP to 127.0.0.1, and time the app, not a throttle.
    os.environ.setdefault("HTTPS_ONLY", "0")
    for scope in ("ANON", "USER", "LOGIN"):
        os.environ.setdefault(f"THROTTLE_{scope}_RATE", "1000000/min")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The benchmarks' people never log in with their password (sessions are made for them): a
    # fast hash keeps the set-up from spending seconds per person on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    call_command("migrate", verbosity=0)


PROBE = REPO.parent / "shared" / "tools" / "cpuprobe.py"


def probe_s() -> float:
    """The machine's speed today: a fixed CPU workload, in seconds (the reference is 0.16)."""
    if not PROBE.exists():
        return float("nan")
    out = subprocess.run([sys.executable, str(PROBE)], capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def web_server_env(database_url: str) -> dict[str, str]:
    """The environment of the web server a load benchmark starts (Django set up in this process)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],  # the sessions were signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        # Persistent connections, as production runs (.env.example): prepared statements live
        # per connection, and a connection that ends would take its backend's CPU count with it.
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }


def web_server_wait(base: str, *, seconds: float = 60) -> None:
    """Until the web server at `base` answers its health check (or the time is up)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_line(figures: dict[str, object]) -> None:
    print("BENCH " + json.dumps(figures, ensure_ascii=False), flush=True)


def prompts_insert(*, prompt_set_id: int, count: int, text_sql: str, scenario_sql: str = "NULL") -> None:
    """`count` safety prompts in one statement; the SQL expressions (the benchmarks' own constants)
    may use g, 1..count."""
    from django.db import connection

    sql = (
        "INSERT INTO prompts_prompt (prompt_set_id, external_id, level, source, text, reference_answer,"  # noqa: S608
        f" metadata, created_at, scenario_id) SELECT %s, g::text, 'safety', 'bench', {text_sql}, '', '{{}}',"
        f" now(), {scenario_sql} FROM generate_series(1, %s) g"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [prompt_set_id, count])


def responses_insert(*, prompt_set_id: int, model_id: int, text_sql: str) -> None:
    """One succeeded response of the model to each prompt of the set; text_sql (a benchmark's own
    constant) may use p.text."""
    from django.db import connection

    sql = (
        "INSERT INTO models_registry_response (prompt_id, model_id, params_hash, sample_index,"  # noqa: S608
        " params_snapshot, request_hash, status, claim, text, finish_reason, attempts, error_kind, error,"
        f" key_redacted, created_at) SELECT p.id, %s, 'h', 0, '{{}}', 'r', 'succeeded', '', {text_sql},"
        " 'stop', 1, '', '', false, now() FROM prompts_prompt p WHERE p.prompt_set_id = %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [model_id, prompt_set_id])
