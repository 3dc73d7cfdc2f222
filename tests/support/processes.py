"""Processes that the tests and the benchmarks start the same way: Celery workers (and beat), the
OpenAI-compatible stub server, on free ports; and the environment a fresh process of ValueLens
must not inherit from the one that starts it."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent

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
    broker: str,
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
