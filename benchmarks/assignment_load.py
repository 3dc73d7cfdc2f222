"""Judging under load, driven the way the browser drives it: gunicorn on 127.0.0.1, PostgreSQL,
sessions in Redis, and simulated judges over HTTP. Each judge GETs the workspace once for the
first item; then every submit is an htmx POST (HX-Request) whose response is the next item: the
request a judge waits on after pressing Enter. Each judge pauses 1 s between submits.

Three safety campaigns (N = 3), each measured with the same paced judges:
  fresh   200,000 items, nothing judged yet;
  late    200,000 items with 80% of their slots already filled (the end of a campaign);
  big   2,000,000 items, nothing judged yet.
Then the saturation throughput: judged items per second with no pause, on the fresh campaign.

Targets (2 cores, probe_s = 0.16 s; time targets scale by probe_s / 0.16): p95 of the
submit-and-next request <= 30 ms in each campaign; 0 over-assigned, 0 lost; server CPU per judged
item (gunicorn + PostgreSQL) <= 5 ms; saturation >= 250 judged items/s.

Run: BENCH_CACHE_URL=redis://127.0.0.1:6379/9 .venv/bin/python benchmarks/assignment_load.py [--smoke]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx
from _common import (
    REPO,
    arguments,
    bench_line,
    django_setup,
    free_port,
    probe_s,
    scratch_database,
    web_server_env,
    web_server_wait,
)

ITEM_RE = re.compile(r'data-item="(\d+)"')
# htmx sends the token of the page it was loaded with (hx-headers on <body>) with every request.
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')
DB_NAME = "valuelens_bench_assignment"


def load_note() -> str:
    return "load average " + " ".join(open("/proc/loadavg").read().split()[:3])


def campaign_make(*, name: str, items: int, fill: float = 0.0) -> int:
    """A safety campaign of `items` items made by campaign_create (the product's path, random
    positions included); with `fill`, that share of its slots judged already by filler judges."""
    from django.db import connection

    from annotation.models import Campaign
    from annotation.services import campaign_create, campaign_status_set
    from common.roles import Role
    from models_registry.models import Response
    from models_registry.services import model_register
    from people.services import user_create
    from prompts.services import prompt_set_get_or_create

    started = time.perf_counter()
    prompt_set = prompt_set_get_or_create(name=f"load {name}")
    model = model_register(name=f"load-model-{name}", base_url="http://127.0.0.1:9/v1", model_id="m")
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
    campaign = campaign_create(
        name=name,
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(model=model),
        judges_per_item=3,
        # Each judge acknowledges a content warning once, before their first item: not the path
        # measured here.
        content_warning=False,
    )
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    if fill:
        # 80% of 3 slots = 2.4 judgements per item: 40% of the items complete, 60% with two, spread
        # over the campaign's random order (as judging in that order leaves them: started items
        # first, so the late items are the ones still open).
        fillers = [
            user_create(username=f"filler-{name}-{k}", password="unused", roles=[Role.CROWDWORKER]).pk
            for k in range(3)
        ]
        complete_share = round(3 * fill - 2, 6)
        with connection.cursor() as cur:
            cur.execute(
                "WITH ranked AS (SELECT id, percent_rank() OVER (ORDER BY position) AS r"
                " FROM annotation_item WHERE campaign_id = %s)"
                " UPDATE annotation_item i SET judgement_count = CASE WHEN ranked.r < %s THEN 3 ELSE 2 END,"
                " open_slots = CASE WHEN ranked.r < %s THEN 0 ELSE 1 END FROM ranked WHERE i.id = ranked.id",
                [campaign.pk, complete_share, complete_share],
            )
            cur.execute(
                "INSERT INTO annotation_judgement (item_id, user_id, campaign_id, safe, response_type, reason,"
                " none_good, rewrite, time_spent_ms, too_fast, contradictory, void_reason, created_at, updated_at,"
                " previous_values)"
                " SELECT i.id, (%s::int[])[k], i.campaign_id, true, '', '', false, '', 9000, false, false, '',"
                " now() - interval '1 day', now() - interval '1 day', '[]'"
                " FROM annotation_item i CROSS JOIN generate_series(1, 3) k"
                " WHERE i.campaign_id = %s AND k <= i.judgement_count",
                [fillers, campaign.pk],
            )
            cur.execute(
                "INSERT INTO annotation_judgetally (campaign_id, user_id, judged)"
                " SELECT campaign_id, user_id, count(*) FROM annotation_judgement WHERE campaign_id = %s"
                " GROUP BY campaign_id, user_id",
                [campaign.pk],
            )
    print(
        f"campaign {name}: {items:,} items{f', {fill:.0%} of slots filled' if fill else ''}, made in"
        f" {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return campaign.pk


def sessions_make(count: int) -> list[str]:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from common.roles import Role
    from people.services import user_create

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    # The backend a password login records: the first that can load a user (axes', first, cannot).
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(b), "get_user"))
    sessions = []
    for i in range(count):
        user = user_create(username=f"load-{i}", password="unused-here", roles=[Role.CROWDWORKER])
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return sessions


class Judge(threading.Thread):
    """One person at the Judge page: the first item by GET, then submit-and-next by htmx POST."""

    def __init__(self, base: str, campaign_id: int, session_key: str, until: float, pause: float) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, cookies={"sessionid": session_key}, timeout=30)
        self.campaign_id, self.until, self.pause = campaign_id, until, pause
        self.submit_ms: list[float] = []
        self.judged = 0  # submits the server acknowledged as stored ("Saved.")
        self.errors: list[str] = []

    def answer(self) -> dict[str, str]:
        """What the judge's form posts: a verdict, one in five unsafe."""
        return {"verdict": "safe" if self.judged % 5 else "unsafe"}

    def run(self) -> None:
        # People do not start in the same millisecond: spread the first requests over one pause.
        time.sleep(random.uniform(0, self.pause))
        page = self.client.get(f"/annotate/{self.campaign_id}/")
        csrf = CSRF_RE.search(page.text)
        if page.status_code != 200 or not csrf:
            self.errors.append(f"first page: {page.status_code}")
            return
        headers = {
            "Referer": str(self.client.base_url),
            "HX-Request": "true",
            "HX-Target": "pane",
            "X-CSRFToken": csrf.group(1),
        }
        while time.monotonic() < self.until:
            found = ITEM_RE.search(page.text)
            if page.status_code != 200 or not found:
                self.errors.append(f"no item: {page.status_code} {page.text[:300]!r}")
                return
            time.sleep(self.pause)
            started = time.perf_counter()
            page = self.client.post(
                f"/annotate/{self.campaign_id}/items/{found.group(1)}/submit/",
                data=self.answer(),
                headers=headers,
            )
            self.submit_ms.append((time.perf_counter() - started) * 1000)
            if page.status_code == 200 and "Saved." in page.text:
                self.judged += 1
            else:
                self.errors.append(f"submit: {page.status_code} {page.text[:80]!r}")


def drive(
    base: str, campaign_id: int, sessions: list[str], seconds: float, pause: float, judge: type[Judge] = Judge
) -> list[Judge]:
    # A collector pause in this process would stall every simulated judge at once and be counted
    # as server latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    # Many client threads share one GIL: hand it over quickly so that a thread whose response has
    # arrived does not wait up to the default 5 ms to read the clock.
    sys.setswitchinterval(0.0005)
    until = time.monotonic() + seconds
    judges = [judge(base, campaign_id, s, until, pause) for s in sessions]
    for j in judges:
        j.start()
    for j in judges:
        j.join(timeout=seconds + 120)
    gc.enable()
    return judges


def _cpu_of(pid: str) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_pids(gunicorn_pid: int) -> tuple[list[str], list[str]]:
    """The gunicorn workers, and the PostgreSQL processes that work for this benchmark: the
    backends connected to its database and the shared WAL writer, background writer and
    checkpointer (the machine's other databases, used by other people's tests, are left out)."""
    workers = subprocess.run(
        ["pgrep", "-P", str(gunicorn_pid)], capture_output=True, text=True
    ).stdout.split()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = %s AND pid <> pg_backend_pid())"
            " OR backend_type IN ('walwriter', 'background writer', 'checkpointer')",
            [DB_NAME],
        )
        postgres = [str(row[0]) for row in cur.fetchall()]
    return workers, postgres


@dataclass
class Phase:
    name: str
    judges: list[Judge]
    seconds: float
    web_cpu: float
    db_cpu: float
    machine_busy: float
    load: str
    submit_ms: list[float] = field(init=False)
    judged: int = field(init=False)

    def __post_init__(self) -> None:
        self.submit_ms = [v for j in self.judges for v in j.submit_ms]
        self.judged = sum(j.judged for j in self.judges)


def machine_cpu_s() -> float:
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    busy = sum(int(v) for v in fields) - int(fields[3]) - int(fields[4])  # minus idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def measured(name: str, gunicorn_pid: int, run) -> Phase:
    workers, postgres = server_pids(gunicorn_pid)
    load = load_note()
    web0, db0, machine0 = sum(map(_cpu_of, workers)), sum(map(_cpu_of, postgres)), machine_cpu_s()
    started = time.perf_counter()
    judges = run()
    seconds = time.perf_counter() - started
    # Backends opened during the phase count from their start; none closes (CONN_MAX_AGE).
    workers, postgres_after = server_pids(gunicorn_pid)
    db1 = sum(map(_cpu_of, postgres_after))
    web1 = sum(map(_cpu_of, workers))
    return Phase(name, judges, seconds, web1 - web0, db1 - db0, (machine_cpu_s() - machine0) / seconds, load)


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


def gunicorn_start(db_url: str, *, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    """gunicorn as production runs it (config/gunicorn.conf.py) on a free port; returns it and its
    base URL (wait for it with web_server_wait)."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "-c",
            "config/gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=web_server_env(db_url),
    )
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--big-items", type=int, default=2_000_000)
    parser.add_argument("--fill", type=float, default=0.8)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--saturation-seconds", type=float, default=20)
    parser.add_argument("--saturation-judges", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = arguments(
        parser,
        smoke={
            "items": 300,
            "big_items": 600,
            "judges": 2,
            "pause": 0.2,
            "seconds": 2,
            "saturation_seconds": 1,
            "saturation_judges": 2,
            "workers": 1,
        },
    )

    probe_before = probe_s()
    print(f"probe_s before: {probe_before} ({load_note()})", flush=True)
    db_url = scratch_database(DB_NAME)
    # The first item comes on the full page, which names its static files: plain storage, no
    # collectstatic manifest to build (the workspace's htmx responses name none).
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    django_setup(db_url)
    campaigns = {
        "fresh": campaign_make(name="fresh", items=args.items),
        "late": campaign_make(name="late", items=args.items, fill=args.fill),
        "big": campaign_make(name="big", items=args.big_items),
    }
    prefilled = _count("SELECT count(*) FROM annotation_judgement")
    sessions = sessions_make(args.judges + args.saturation_judges)
    from django.db import connection

    # Measure steady state, not the aftermath of the bulk load: set hint bits, refresh statistics
    # and flush the load's dirty pages before the clock starts.
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")

    server, base = gunicorn_start(db_url, workers=args.workers, threads=args.threads)
    phases: list[Phase] = []
    try:
        web_server_wait(base)
        paced_sessions = sessions[: args.judges]
        # Warm every worker's connection and prepared statements (on a campaign not measured).
        warmup = drive(base, campaigns["big"], sessions[args.judges :][:4], 3, 0)
        for name in ("fresh", "late", "big"):
            phases.append(
                measured(
                    name,
                    server.pid,
                    lambda c=campaigns[name]: drive(base, c, paced_sessions, args.seconds, args.pause),
                )
            )
        saturated = measured(
            "saturation",
            server.pid,
            lambda: drive(base, campaigns["fresh"], sessions[args.judges :], args.saturation_seconds, 0.0),
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    probe_after = probe_s()

    over_assigned = _count(
        "SELECT count(*) FROM (SELECT item_id FROM annotation_judgement WHERE voided_at IS NULL"
        " GROUP BY item_id HAVING count(*) > 3) x"
    ) + _count("SELECT count(*) FROM annotation_item WHERE judgement_count > 3 OR open_slots > 3")
    stored = _count("SELECT count(*) FROM annotation_judgement") - prefilled
    drifted = _count(
        "SELECT count(*) FROM annotation_item i WHERE i.judgement_count <>"
        " (SELECT count(*) FROM annotation_judgement j WHERE j.item_id = i.id AND j.voided_at IS NULL)"
        " OR i.lease_count <> (SELECT count(*) FROM annotation_lease l WHERE l.item_id = i.id)"
    ) + _count(
        # Each person's tally of judgements per campaign (what the page's "done" reads).
        "SELECT count(*) FROM (SELECT campaign_id, user_id, count(*) AS n FROM annotation_judgement"
        " GROUP BY campaign_id, user_id) j FULL JOIN annotation_judgetally t USING (campaign_id, user_id)"
        " WHERE j.n IS DISTINCT FROM t.judged"
    )
    everyone = warmup + [j for ph in phases for j in ph.judges] + saturated.judges
    acknowledged = sum(j.judged for j in everyone)
    lost = acknowledged - stored
    errors = [e for j in everyone for e in j.errors]
    probe = round(statistics.median([probe_before, probe_after]), 4)

    print(f"probe_s {probe_before} before, {probe_after} after; time targets scale by {probe / 0.16:.2f}")
    for ph in phases:
        print(
            f"{ph.name:6s}: {len(ph.judges)} judges x {ph.seconds:.0f} s, {ph.judged} judged;"
            f" submit-and-next p50 {statistics.median(ph.submit_ms):.1f} ms, p95 {p(ph.submit_ms, 95):.1f} ms,"
            f" p99 {p(ph.submit_ms, 99):.1f} ms; server CPU per judged item"
            f" {1000 * (ph.web_cpu + ph.db_cpu) / max(ph.judged, 1):.2f} ms (gunicorn"
            f" {1000 * ph.web_cpu / max(ph.judged, 1):.2f}, PostgreSQL {1000 * ph.db_cpu / max(ph.judged, 1):.2f});"
            f" machine {ph.machine_busy:.2f} of {os.cpu_count()} cores busy; {ph.load} at the start"
        )
    judged_paced = sum(ph.judged for ph in phases)
    cpu_per_item = 1000 * sum(ph.web_cpu + ph.db_cpu for ph in phases) / max(judged_paced, 1)
    max_rate = saturated.judged / saturated.seconds
    print(
        f"saturation: {len(saturated.judges)} judges, no pause: {max_rate:.0f} judged items/s, p95"
        f" {p(saturated.submit_ms, 95):.1f} ms, server CPU per judged item"
        f" {1000 * (saturated.web_cpu + saturated.db_cpu) / max(saturated.judged, 1):.2f} ms"
        f" (gunicorn {1000 * saturated.web_cpu / max(saturated.judged, 1):.2f}, PostgreSQL"
        f" {1000 * saturated.db_cpu / max(saturated.judged, 1):.2f}); {saturated.load} at the start"
    )
    print(
        f"stored {stored}, acknowledged {acknowledged}, lost {lost}, over-assigned {over_assigned},"
        f" counter drift {drifted}, errors {len(errors)} {errors[:5]}"
    )
    bench_line(
        {
            "name": "assignment_load",
            "judged": acknowledged,
            "p95_ms": round(p(phases[0].submit_ms, 95), 1),
            "p95_ms_late": round(p(phases[1].submit_ms, 95), 1),
            "p95_ms_2m": round(p(phases[2].submit_ms, 95), 1),
            "over_assigned": over_assigned,
            "lost": lost,
            "server_cpu_ms_per_item": round(cpu_per_item, 2),
            "max_items_per_s": round(max_rate, 1),
            "probe_s": probe,
        }
    )


def _count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


if __name__ == "__main__":
    main()
