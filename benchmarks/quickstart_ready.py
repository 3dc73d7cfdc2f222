"""How long a new user waits: seconds from `./scripts/quickstart.sh` to the first page, and to the
first item that can be judged (a crowdworker or the expert gets an item from `POST
/api/campaigns/ID/next/`, as the Judge page does), on a fresh clone of this repository.

The first start builds the clone's .venv (pip, from the local cache: the local-model extra is
about 500 MB); a second start on the same clone, with its var/ removed, shows the wait without the
install. Each start is stopped with SIGTERM and the time to exit and the port are checked too.
--smoke starts this checkout once instead (its .venv in place, a var/ of its own): nothing to install.
Run: .venv/bin/python benchmarks/quickstart_ready.py [--keep] [--starts 2] [--timeout 900] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from _common import NOT_INHERITED, REPO, arguments, bench_line, free_port, port_free

PASSWORD = os.environ.get("DEMO_PASSWORD", "valuelens-demo")
JUDGES = ("crowd", "expert")


def fresh_clone(into: Path) -> Path:
    branch = subprocess.run(
        ["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    clone = into / "valuelens"
    subprocess.run(["git", "clone", "--quiet", "--branch", branch, str(REPO), str(clone)], check=True)
    return clone


def first_item_ready(client: httpx.Client, tokens: dict[str, str]) -> bool:
    for user, token in tokens.items():
        headers = {"Authorization": f"Token {token}"}
        campaigns = client.get("/api/campaigns/", headers=headers)
        if campaigns.status_code != 200:
            continue
        for campaign in campaigns.json()["results"]:
            if campaign["status"] != "open":
                continue
            nxt = client.post(f"/api/campaigns/{campaign['id']}/next/", headers=headers)
            if nxt.status_code == 200:
                print(f"  first item: campaign {campaign['name']!r}, item {nxt.json()['id']} for {user}")
                return True
    return False


def one_start(
    clone: Path, *, timeout_s: float, log_path: Path, env_extra: dict[str, str]
) -> dict[str, object]:
    port, model_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(PORT=str(port), LOCAL_MODEL_PORT=str(model_port), **env_extra)
    log = log_path.open("a")
    started = time.monotonic()
    process = subprocess.Popen(
        ["./scripts/quickstart.sh"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    figures: dict[str, object] = {}
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    tokens: dict[str, str] = {}
    try:
        while time.monotonic() - started < timeout_s and process.poll() is None:
            now = time.monotonic() - started
            if "first_page_s" not in figures:
                try:
                    if client.get("/accounts/login/").status_code == 200:
                        figures["first_page_s"] = round(now, 1)
                        print(f"  first page after {now:.1f} s")
                except httpx.HTTPError:
                    pass
            else:
                for user in JUDGES:
                    if user not in tokens:
                        got = client.post("/api/auth/token/", data={"username": user, "password": PASSWORD})
                        if got.status_code == 200:
                            tokens[user] = got.json()["token"]
                if tokens and first_item_ready(client, tokens):
                    figures["first_item_s"] = round(time.monotonic() - started, 1)
                    print(f"  first judgeable item after {figures['first_item_s']} s")
                    break
            # The item is polled as a person reloading the Judge page would, not in a tight loop that
            # would take CPU from the quickstart it measures.
            time.sleep(0.25 if "first_page_s" not in figures else 2.0)
        if process.poll() is not None:
            figures["error"] = f"the quickstart exited with {process.returncode}"
        elif "first_item_s" not in figures:
            figures["error"] = f"no judgeable item within {timeout_s:.0f} s"
    finally:
        client.close()
        stop_started = time.monotonic()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                figures["error"] = "did not stop within 30 s of SIGTERM"
        figures["stop_s"] = round(time.monotonic() - stop_started, 1)
        figures["port_free_after_stop"] = port_free(port)
        log.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=2, help="1: only the first start (with the install).")
    parser.add_argument("--timeout", type=float, default=900, help="Seconds to wait for a judgeable item.")
    parser.add_argument("--keep", action="store_true", help="Keep the clone (its path is printed).")
    args = arguments(parser, smoke={"starts": 1, "timeout": 300})

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Stopped from outside (a background job ignores SIGINT), it still stops the quickstart it started.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    load_at_start = round(os.getloadavg()[0], 2)
    scratch = Path(tempfile.mkdtemp(prefix="valuelens-quickstart-"))
    if args.smoke:
        # This checkout with its .venv in place (nothing to install) and a var/ of its own.
        clone = REPO
        env_extra = {
            "VAR_DIR": str(scratch / "var"),
            "VALUELENS_EXTRAS": os.environ.get("VALUELENS_EXTRAS", "dev,local-model,parquet"),
        }
        print(f"this checkout, var/ in {scratch / 'var'}")
    else:
        clone, env_extra = fresh_clone(scratch), {}
        print(f"fresh clone in {clone}")
    runs = []
    try:
        for n in range(args.starts):
            if n:
                shutil.rmtree(clone / "var", ignore_errors=True)
            label = "fresh clone (builds .venv)" if n == 0 else "again, var/ removed (.venv in place)"
            if args.smoke:
                label = "this checkout (.venv in place)"
            print(f"start {n + 1}: {label}")
            log_path = (scratch if args.smoke else clone) / "quickstart-console.log"
            figures = one_start(clone, timeout_s=args.timeout, log_path=log_path, env_extra=env_extra)
            runs.append({"start": label, **figures})
    finally:
        if args.keep:
            print(f"kept {clone}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    bench_line(
        {
            "benchmark": "quickstart_ready",
            "cores": os.cpu_count(),
            # The machine may be shared: the waits grow with what else runs on it.
            "load_average_1m_at_start": load_at_start,
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "runs": runs,
        }
    )
    failed = [run["error"] for run in runs if "error" in run]
    if failed:
        raise SystemExit(f"quickstart_ready: {'; '.join(map(str, failed))}")


if __name__ == "__main__":
    main()
