"""Assignment under load: 200,000 items x N = 3 in PostgreSQL, gunicorn on 127.0.0.1, and 50
simulated annotators over HTTP, each looping next -> submit with a 0.5 s pause between actions.

Targets: p95 of "next item" <= 30 ms and of "submit" <= 30 ms; no item with more than N
judgements; no lost submission. Then the saturation throughput: submissions per second with no
pause. Run: .venv/bin/python benchmarks/assignment_load.py [--items 200000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import httpx
from _common import REPO, bench_line, django_setup, scratch_database

ITEM_RE = re.compile(r'data-item="(\d+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(items: int, annotators: int) -> tuple[int, list[str]]:
    """Prompts, responses and a safety campaign of `items` items; one session per annotator."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection

    from annotation.models import Campaign
    from annotation.services import campaign_create, user_create
    from config.roles import Role
    from models_registry.models import Response
    from models_registry.services import model_register
    from prompts.services import prompt_set_get_or_create

    prompt_set = prompt_set_get_or_create(name="load")
    model = model_register(name="load-model", base_url="http://127.0.0.1:9/v1", model_id="m")
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO prompts_prompt (prompt_set_id, external_id, level, source, text, reference_answer,"
            " metadata, created_at) SELECT %s, g::text, 'safety', 'bench', 'prompt number ' || g, '', '{}', now()"
            " FROM generate_series(1, %s) g",
            [prompt_set.pk, items],
        )
        cur.execute(
            "INSERT INTO models_registry_response (prompt_id, model_id, params_hash, sample_index, params_snapshot,"
            " request_hash, status, claim, text, finish_reason, attempts, error_kind, error, created_at)"
            " SELECT p.id, %s, 'h', 0, '{}', 'r', 'succeeded', '', 'A response to ' || p.text, 'stop', 1, '', '', now()"
            " FROM prompts_prompt p WHERE p.prompt_set_id = %s",
            [model.pk, prompt_set.pk],
        )
    started = time.perf_counter()
    campaign = campaign_create(
        name="load",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(model=model),
        judges_per_item=3,
    )
    campaign.status = Campaign.Status.OPEN
    campaign.save()
    print(f"campaign of {items:,} items created in {time.perf_counter() - started:.1f} s")
    # Measure steady state, not the aftermath of the bulk load: set hint bits, refresh statistics
    # and flush the load's dirty pages before the clock starts.
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = []
    for i in range(annotators):
        user = user_create(username=f"load-{i}", password="unused-here", roles=[Role.CROWDWORKER])
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return campaign.pk, sessions


class Annotator(threading.Thread):
    def __init__(self, base: str, campaign_id: int, session_key: str, until: float, pause: float) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, cookies={"sessionid": session_key}, timeout=30)
        self.campaign_id, self.until, self.pause = campaign_id, until, pause
        self.next_ms: list[float] = []
        self.next_at: list[float] = []
        self.submit_ms: list[float] = []
        self.sent = 0
        self.errors: list[str] = []

    def run(self) -> None:
        headers = {"Referer": str(self.client.base_url)}
        # People do not start in the same millisecond: spread the first requests over one cycle.
        time.sleep(random.uniform(0, 2 * self.pause))
        while time.monotonic() < self.until:
            started = time.perf_counter()
            page = self.client.get(f"/annotate/{self.campaign_id}/", headers={"HX-Request": "true"})
            self.next_ms.append((time.perf_counter() - started) * 1000)
            self.next_at.append(time.monotonic())
            found, csrf = ITEM_RE.search(page.text), CSRF_RE.search(page.text)
            if page.status_code != 200 or not found or not csrf:
                self.errors.append(f"next: {page.status_code}")
                break
            time.sleep(self.pause)
            started = time.perf_counter()
            sent = self.client.post(
                f"/annotate/{self.campaign_id}/items/{found.group(1)}/submit/",
                data={"verdict": "safe" if self.sent % 5 else "unsafe", "csrfmiddlewaretoken": csrf.group(1)},
                headers=headers,
            )
            self.submit_ms.append((time.perf_counter() - started) * 1000)
            if sent.status_code == 302:
                self.sent += 1
            else:
                self.errors.append(f"submit: {sent.status_code}")
            time.sleep(self.pause)


def drive(base: str, campaign_id: int, sessions: list[str], seconds: float, pause: float) -> list[Annotator]:
    # A collector pause in this process would stall every simulated annotator at once and be
    # counted as server latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    # 50 client threads share one GIL: hand it over quickly so that a thread whose response has
    # arrived does not wait up to the default 5 ms to read the clock.
    sys.setswitchinterval(0.0005)
    until = time.monotonic() + seconds
    annotators = [Annotator(base, campaign_id, s, until, pause) for s in sessions]
    for a in annotators:
        a.start()
    for a in annotators:
        a.join(timeout=seconds + 120)
    gc.enable()
    return annotators


def machine_cpu_s() -> float:
    """CPU seconds used by the whole machine so far (all processes, all cores)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    busy = sum(int(v) for v in fields) - int(fields[3]) - int(fields[4])  # minus idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def server_cpu_s(gunicorn_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by the gunicorn workers and by every PostgreSQL process (backends,
    WAL writer, autovacuum): the server's own cost, whatever else the machine is doing."""
    children = subprocess.run(
        ["pgrep", "-P", str(gunicorn_pid)], capture_output=True, text=True
    ).stdout.split()
    postgres = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()

    def cpu(pid: str) -> float:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    return sum(map(cpu, children)), sum(map(cpu, postgres))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--saturation-seconds", type=float, default=20)
    parser.add_argument("--saturation-annotators", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    db_url = scratch_database("valuelens_bench_assignment")
    # Sessions live in Redis as in production (docker-compose sets the same).
    os.environ["CACHE_URL"] = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12")
    django_setup(db_url)
    campaign_id, sessions = seed(args.items, args.annotators + args.saturation_annotators)

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],  # the sessions were signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        # Persistent connections, as production runs (.env.example): prepared statements live
        # per connection, and a connection that ends takes its backend's CPU count with it.
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "-c",
            "config/gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        warmup = drive(base, campaign_id, sessions[:2], 3, 0)  # warm every worker's connection

        machine_before, client_before = machine_cpu_s(), time.process_time()
        server_before = server_cpu_s(server.pid)
        paced = drive(base, campaign_id, sessions[: args.annotators], args.seconds, 0.5)
        server_after = server_cpu_s(server.pid)
        web_cpu, db_cpu = (after - before for after, before in zip(server_after, server_before, strict=True))
        server_cpu = web_cpu + db_cpu
        machine_cpu = machine_cpu_s() - machine_before
        client_cpu = time.process_time() - client_before
        started = time.perf_counter()
        saturated = drive(base, campaign_id, sessions[args.annotators :], args.saturation_seconds, 0.0)
        saturation_wall = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT item_id FROM annotation_judgement GROUP BY item_id HAVING count(*) > 3) x"
        )
        over_assigned = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM annotation_item WHERE judgement_count > 3 OR open_slots > 3")
        over_assigned += cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM annotation_judgement")
        stored = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM annotation_item i WHERE i.judgement_count <>"
            " (SELECT count(*) FROM annotation_judgement j WHERE j.item_id = i.id)"
        )
        drifted = cur.fetchone()[0]

    everyone = warmup + paced + saturated
    acknowledged = sum(a.sent for a in everyone)
    lost = acknowledged - stored
    next_ms = [v for a in paced for v in a.next_ms]
    submit_ms = [v for a in paced for v in a.submit_ms]
    errors = [e for a in everyone for e in a.errors]
    max_rate = sum(a.sent for a in saturated) / saturation_wall
    print(f"paced: {len(paced)} annotators x {args.seconds:.0f} s, {sum(a.sent for a in paced)} submissions")
    print(f"next p50 {statistics.median(next_ms):.1f} ms, p95 {p95(next_ms):.1f} ms")
    if os.environ.get("BENCH_WINDOWS"):
        stamped = sorted((t, v) for a in paced for t, v in zip(a.next_at, a.next_ms, strict=True))
        first = stamped[0][0]
        for w in range(int(args.seconds // 5) + 1):
            window = [v for t, v in stamped if w * 5 <= t - first < (w + 1) * 5]
            if len(window) > 1:
                print(f"  {w * 5:3d}-{w * 5 + 5:3d} s: n {len(window)}, p95 {p95(window):.1f} ms")
    print(f"submit p50 {statistics.median(submit_ms):.1f} ms, p95 {p95(submit_ms):.1f} ms")
    print(
        f"CPU during the paced phase: {machine_cpu / args.seconds:.2f} of {os.cpu_count()} cores busy, "
        f"of which the simulated annotators {client_cpu / args.seconds:.2f}"
    )
    paced_requests = len(next_ms) + len(submit_ms)
    print(
        f"server CPU (gunicorn workers + PostgreSQL backends) per request: "
        f"{1000 * server_cpu / paced_requests:.2f} ms over {paced_requests} requests "
        f"(gunicorn {1000 * web_cpu / paced_requests:.2f}, PostgreSQL {1000 * db_cpu / paced_requests:.2f})"
    )
    print(f"saturation: {len(saturated)} annotators, no pause: {max_rate:.0f} submissions/s")
    print(
        f"stored {stored}, acknowledged {acknowledged}, lost {lost}, over-assigned {over_assigned}, counter drift {drifted}, errors {len(errors)} {errors[:5]}"
    )
    bench_line(
        {
            "name": "assignment_load",
            "submissions": acknowledged,
            "next_p95_ms": round(p95(next_ms), 1),
            "submit_p95_ms": round(p95(submit_ms), 1),
            "over_assigned": over_assigned,
            "lost": lost,
            "max_submits_per_s": round(max_rate, 1),
            "server_cpu_ms_per_request": round(1000 * server_cpu / paced_requests, 2),
        }
    )


if __name__ == "__main__":
    main()
