"""Helpers shared by the benchmark scripts and the tests that start processes: a scratch
PostgreSQL database, the --smoke size, Celery workers and beat, the stub server, free ports, the
environment a fresh process must not inherit, and the BENCH line."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
# The suite's smoke runs name their databases apart from a full run's (and from each other
# engineer's), and copy them from one migrated template instead of migrating each.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "")
DB_TEMPLATE = os.environ.get("BENCH_DB_TEMPLATE", "")
# Redis on 127.0.0.1, as production runs: the broker (which the worker benchmarks flush) and the
# cache and session store, each in a database of its own.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12")

# What a process of ValueLens reads from its environment: a fresh one (the quickstart, as a new
# user starts it) must not inherit the values of the process that starts it.
NOT_INHERITED = frozenset(
    {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "GENERATION_LIMITER_REDIS_URL",
        "DJANGO_SETTINGS_MODULE",
        "SECRET_KEY",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "VAR_DIR",
        "VALUELENS_EXTRAS",
        "VIRTUAL_ENV",
    }
)


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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_line(figures: dict[str, object]) -> None:
    print("BENCH " + json.dumps(figures, ensure_ascii=False), flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


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
    *,
    database_url: str,
    broker: str = BROKER_URL,
    threads: int,
    pool: str = "threads",
    queues: str = "",
    beat: bool = False,
    extra_env: dict[str, str] | None = None,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """One Celery worker with a pool of `threads` threads (or, with pool="prefork", that many
    child processes, as docker-compose runs the generation worker), on the given database and
    broker; it consumes `queues` (comma-separated), or every queue when empty. With `beat`, it
    runs the beat schedule too; with `log`, its INFO log goes to that file."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", pool]
    command += ["--concurrency", str(threads), "--loglevel", "INFO" if log else "WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["-n", f"bench{next(_WORKER_NUMBERS)}-{os.getpid()}@%h"]
    if queues:
        command += ["-Q", queues]
    if beat:
        command += ["--beat", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
    output = log.open("ab") if log else None
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)


def processes_stop(*processes: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM to each (a worker finishes what it holds), then a kill for any still running."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
