"""The quickstart itself, started as the README says, driven in Chromium, stopped with SIGTERM.

It runs in its own var/ directory (VAR_DIR) and port, without the local model (its own tests cover
it), on the extras the test command installed, so that it installs nothing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import REPO
from tests.support.processes import NOT_INHERITED, free_port, port_free

pytestmark = [pytest.mark.browser, pytest.mark.quickstart]

START_TIMEOUT_S = 180


def processes_with_var_dir(var_dir: Path) -> list[int]:
    """Processes whose environment names this quickstart's var/ (every child the supervisor starts)."""
    marker = f"VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class Quickstart:
    def __init__(self, tmp_path: Path) -> None:
        self.var_dir = tmp_path / "var"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        env.update(
            VAR_DIR=str(self.var_dir),
            PORT=str(self.port),
            VALUELENS_LOCAL_MODEL="0",
            VALUELENS_EXTRAS=os.environ.get("VALUELENS_EXTRAS", "dev,local-model,parquet"),
        )
        self.process = subprocess.Popen(
            ["./scripts/quickstart.sh"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def console(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, *, timeout_s: float = START_TIMEOUT_S) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = re.search(pattern, line)
                if found:
                    return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no line matching {pattern!r}; console:\n{self.console()}")

    def wait_until_serving(self) -> None:
        self.wait_for(r"ValueLens: http://")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/accounts/login/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the page never answered; console:\n{self.console()}")

    def kill_group(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        for pid in processes_with_var_dir(self.var_dir):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def quickstart(tmp_path: Path) -> Iterator[Quickstart]:
    started = Quickstart(tmp_path)
    try:
        yield started
    finally:
        started.kill_group()


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(os.environ.get("DEMO_PASSWORD", "valuelens-demo"))
    page.get_by_role("button", name="Log in").click()


def import_through_the_page(page: Page, url: str, name: str, tmp_path: Path) -> None:
    data = tmp_path / f"{name}.csv"
    data.write_text("qid,question\n1,How do I stay safe online?\n2,What is a strong password?\n")
    page.goto(f"{url}/prompts/import/")
    page.get_by_label("New prompt set name").fill(name)
    page.get_by_label("Format").select_option("generic_csv")
    page.get_by_label("File").set_input_files(str(data))
    page.get_by_label("Text column").fill("question")
    page.get_by_label("Id column").fill("qid")
    page.get_by_label("Default level").select_option("safety")
    page.get_by_role("button", name="Upload and import").click()
    # The worker over the embedded Valkey imports it; the page polls until it is done.
    expect(page.locator("#import-status")).to_contain_text("2 created", timeout=60_000)


def test_the_quickstart_serves_works_survives_a_dead_worker_and_stops_on_sigterm(
    quickstart: Quickstart, page: Page, tmp_path: Path
):
    quickstart.wait_until_serving()
    quickstart.wait_for(r"demo data: done")
    quickstart.wait_for(r"judged demo campaigns: done")

    log_in(page, quickstart.url)
    expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()
    # The seeded pairwise campaign's ranking, computed by the quickstart's own worker.
    page.goto(f"{quickstart.url}/evaluation/rankings/")
    expect(page.locator('[data-group="overall"] tr[data-model]')).to_have_count(3, timeout=60_000)
    import_through_the_page(page, quickstart.url, "Smoke one", tmp_path)

    worker_pid = int(quickstart.wait_for(r"Celery worker started \(pid (\d+)").group(1))
    os.killpg(worker_pid, signal.SIGKILL)
    quickstart.wait_for(rf"Celery worker \(pid {worker_pid}\) exited")
    quickstart.wait_for(rf"Celery worker started \(pid (?!{worker_pid}\b)\d+")
    import_through_the_page(page, quickstart.url, "Smoke two", tmp_path)

    quickstart.process.send_signal(signal.SIGTERM)
    code = quickstart.process.wait(timeout=15)

    assert code == 0, quickstart.console()
    assert "quickstart: stopped." in quickstart.console()
    assert port_free(quickstart.port)
    assert processes_with_var_dir(quickstart.var_dir) == []
