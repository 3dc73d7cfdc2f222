"""Helpers shared by the benchmark scripts: a scratch PostgreSQL database and the BENCH line."""

from __future__ import annotations

import itertools
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def scratch_database(name: str) -> str:
    """Drop and create a PostgreSQL database for one benchmark run; returns its URL."""
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    # The benchmarks' clients speak plain HTTP to 127.0.0.1, and time the app, not a throttle.
    os.environ.setdefault("HTTPS_ONLY", "0")
    for scope in ("ANON", "USER", "LOGIN"):
        os.environ.setdefault(f"THROTTLE_{scope}_RATE", "1000000/min")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


PROBE = REPO.parent / "shared" / "tools" / "cpuprobe.py"


def probe_s() -> float:
    """The machine's speed today: a fixed CPU workload, in seconds (the reference is 0.16)."""
    if not PROBE.exists():
        return float("nan")
    out = subprocess.run([sys.executable, str(PROBE)], capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_line(figures: dict[str, object]) -> None:
    print("BENCH " + json.dumps(figures, ensure_ascii=False), flush=True)


def stub_start(*options: str) -> tuple[subprocess.Popen[str], str]:
    """The scripted OpenAI-compatible stub server in its own process; returns it and its base URL."""
    stub = subprocess.Popen(
        [sys.executable, "-m", "tests.support.openai_stub", *options],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stub.stdout is not None
    return stub, stub.stdout.readline().strip()


_WORKER_NUMBERS = itertools.count(1)


def worker_start(
    *, database_url: str, broker: str, threads: int, pool: str = "threads", queues: str = ""
) -> subprocess.Popen[bytes]:
    """One Celery worker with a pool of `threads` threads (or, with pool="prefork", that many
    child processes, as docker-compose runs the generation worker), on the benchmark's database
    and broker; it consumes `queues` (comma-separated), or every queue when empty."""
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker, "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "celery"),
            "-A",
            "config",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            str(threads),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench{next(_WORKER_NUMBERS)}@%h",
            *(["-Q", queues] if queues else []),
        ],
        cwd=REPO,
        env=env,
    )
