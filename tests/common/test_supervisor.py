"""The quickstart's supervisor on stand-in children (tests/browser/test_quickstart.py runs the real one)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from common.supervisor import Child, Supervisor
from tests.support.processes import NOT_INHERITED, free_port, port_free


def supervisor(tmp_path: Path) -> Supervisor:
    return Supervisor(var_dir=tmp_path, port=1, local_model=False, local_model_port=2)


def test_a_child_that_exits_is_reported_and_started_again(tmp_path, capsys):
    sup = supervisor(tmp_path)
    child = Child("stand-in worker", [sys.executable, "-c", "pass"], tmp_path / "child.log")
    sup.children.append(child)
    sup.child_start(child)
    child.process.wait()
    first_pid = child.process.pid

    child.started_at -= 120  # it had been running a while: started again without a pause
    sup.watch_once()

    out = capsys.readouterr().out
    assert f"the stand-in worker (pid {first_pid}) exited with code 0" in out
    assert child.restarts == 1
    assert child.process.pid != first_pid
    sup.stop()


def test_a_child_that_keeps_dying_is_started_again_after_a_pause(tmp_path, capsys):
    sup = supervisor(tmp_path)
    child = Child("flaky", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "child.log")
    sup.children.append(child)
    sup.child_start(child)
    child.process.wait()

    sup.watch_once()

    assert "exited with code 3" in capsys.readouterr().out
    assert child.restarts == 0
    assert child.next_start_at > time.monotonic()


def test_stop_ends_a_child_that_ignores_sigterm_and_what_it_spawned(tmp_path):
    sup = supervisor(tmp_path)
    stubborn = Child(
        "stubborn",
        ["bash", "-c", "trap '' TERM; sleep 300 & wait"],
        tmp_path / "stubborn.log",
    )
    broker = Child("broker", ["sleep", "300"], tmp_path / "broker.log")
    sup.children += [broker, stubborn]
    for child in sup.children:
        sup.child_start(child)
    grandchild = subprocess.run(
        ["pgrep", "-g", str(stubborn.process.pid), "sleep"], capture_output=True, text=True, check=False
    ).stdout.split()

    sup.stop()

    assert not broker.alive()
    assert not stubborn.alive()
    assert stubborn.process.returncode == -signal.SIGKILL
    for pid in grandchild:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_the_one_quickstart_worker_consumes_every_queue_the_settings_name(tmp_path):
    queues = supervisor(tmp_path).worker_queues()

    assert set(queues.split(",")) == {"celery", "generation", "imports", "exports", "figures", "webhooks"}


def test_the_quickstart_web_server_is_uvicorn_serving_pages_and_static_files_on_one_port(tmp_path):
    """One ASGI server for the pages and the attack workspace's streams (one origin), with the
    static files WhiteNoise serves in DEBUG; stopped with the rest, its port is free again."""
    sup = Supervisor(var_dir=tmp_path, port=free_port(), local_model=False, local_model_port=2)
    sup.env = {
        **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quickstart.sqlite3'}",
        "CACHE_URL": "locmemcache://",
    }
    web = sup.web()
    assert web.argv[1:4] == ["-m", "uvicorn", "config.asgi:application"]
    sup.children.append(web)
    sup.child_start(web)
    url = f"http://127.0.0.1:{sup.port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert web.alive(), (tmp_path / "web.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "web.log").read_text()
            time.sleep(0.1)
        assert httpx.get(f"{url}/static/js/attack.js", timeout=5).status_code == 200
        assert httpx.get(f"{url}/accounts/login/", timeout=5).status_code == 200
    finally:
        sup.stop()
    assert port_free(sup.port)


def demo_set_up_output(tmp_path: Path, capsys, *, failing_step: str) -> str:
    """What the demo set-up says when every step is a stand-in that exits 0, but `failing_step`."""
    sup = Supervisor(var_dir=tmp_path, port=1, local_model=True, local_model_port=2)
    failing = f"import sys; sys.exit(1 if {failing_step!r} in sys.argv else 0)"
    sup.manage = lambda *args: [sys.executable, "-c", failing, *args]
    sup.demo_setup()
    return capsys.readouterr().out


def test_a_failed_optional_demo_step_leaves_the_steps_after_it_to_run(tmp_path, capsys):
    out = demo_set_up_output(tmp_path, capsys, failing_step="demo_judged")

    assert "judged demo campaigns failed (exit 1" in out
    assert "local model demo runs: done." in out
    assert "demo campaigns: done." in out


def test_a_failed_demo_step_that_later_steps_need_stops_the_demo_set_up(tmp_path, capsys):
    out = demo_set_up_output(tmp_path, capsys, failing_step="demo_seed")

    assert "demo data failed (exit 1" in out
    assert "judged demo campaigns" not in out
    assert "local model demo runs" not in out
