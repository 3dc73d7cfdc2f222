"""Webhook deliveries under load, beside judging: N events (default 10,000) to 5 receivers, real
HTTP servers on 127.0.0.1 in a process each, that check every request's signature as
docs/webhooks.md shows. One receiver is down for the first --down-s seconds (nothing listens on
its port), one answers each request after --slow-s seconds. The events are emitted through
`webhook_event_emit`, as the apps emit theirs; a Celery worker with beat (its sweep sends the
retries) delivers them on the `webhooks` queue. Meanwhile simulated judges judge over HTTP
(gunicorn, the htmx submit-and-next request of benchmarks/assignment_load.py), timed.

Figures: delivered, the (event, receiver) pairs a receiver answered 2xx at least once; lost, the
pairs never answered; duplicates_after_2xx, the receipts of a pair beyond its first (a receiver
here answers every request it reads with 200, so each is a repeat after a 2xx); bad_signatures,
receipts whose signature the receiver refused; judging_p95_ms, p95 of the submit-and-next request
during delivery.

Targets: 0 lost, 0 duplicates_after_2xx, 0 bad signatures; judging p95 <= 30 ms x probe_s / 0.16
(2 cores; benchmarks/assignment_load.py's target, not to be spoiled by deliveries).

Run: .venv/bin/python benchmarks/webhooks.py [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import (
    BROKER_URL,
    REPO,
    arguments,
    bench_line,
    django_setup,
    free_port,
    probe_s,
    processes_stop,
    scratch_database,
    web_server_wait,
    worker_start,
)
from assignment_load import campaign_make, drive, gunicorn_start, load_note, p, sessions_make

DB_NAME = "valuelens_bench_webhooks"
EMIT_BATCH = 100


def receiver_start(*, port: int, secret: str, delay_s: float, out: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.webhook_receiver",
            "--port",
            str(port),
            "--secret",
            secret,
            "--delay-s",
            str(delay_s),
            "--out",
            str(out),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "ready": it listens
    return process


def events_emit(count: int) -> float:
    """`count` events through the service the apps call, EMIT_BATCH per transaction; returns the
    seconds it took (the callers' cost)."""
    from django.db import transaction

    from webhooks.models import EventKind
    from webhooks.services import webhook_event_emit

    started = time.perf_counter()
    for first in range(0, count, EMIT_BATCH):
        with transaction.atomic():
            for i in range(first, min(count, first + EMIT_BATCH)):
                webhook_event_emit(
                    event=EventKind.EXPORT_READY,
                    payload={"export_id": i + 1, "kind": "scored", "format": "jsonl"},
                    links={"export": f"/evaluation/exports/{i + 1}/"},
                )
    return time.perf_counter() - started


def receipts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--receivers", type=int, default=5)
    parser.add_argument("--down-s", type=float, default=30.0)
    parser.add_argument("--slow-s", type=float, default=2.0)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=60.0, help="judging measured for this long")
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--celery-threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=100, help="WEBHOOK_CONCURRENCY")
    parser.add_argument("--deadline-s", type=float, default=1800.0, help="give up waiting after this")
    args = arguments(
        parser,
        smoke={
            "events": 30,
            "down_s": 3.0,
            "slow_s": 0.5,
            "judges": 2,
            "pause": 0.2,
            "seconds": 3.0,
            "items": 300,
            "workers": 1,
            "celery_threads": 4,
            "deadline_s": 120.0,
        },
    )
    import redis

    probe_before = probe_s()
    print(f"probe_s before: {probe_before} ({load_note()})", flush=True)
    db_url = scratch_database(DB_NAME)
    # As assignment_load: the first item's full page names static files, with no manifest built.
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    django_setup(db_url)
    redis.Redis.from_url(BROKER_URL).flushdb()

    from django.db import connection
    from django.db.models import Count

    from webhooks.models import Attempt, Delivery, EventKind
    from webhooks.services import EndpointInput, endpoint_create

    campaign = campaign_make(name="judging", items=args.items)
    sessions = sessions_make(args.judges)
    work = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    ports = [free_port() for _ in range(args.receivers)]
    down, slow = 0, 1  # the first receiver is down at the start, the second is slow
    secrets, outs = [], []
    for k, port in enumerate(ports):
        _, secret = endpoint_create(
            data=EndpointInput(
                name=f"receiver {k}", url=f"http://127.0.0.1:{port}/hook", events=[EventKind.EXPORT_READY]
            ),
            by=None,
        )
        secrets.append(secret)
        outs.append(work / f"receiver-{k}.jsonl")
    receivers: dict[int, subprocess.Popen] = {
        k: receiver_start(
            port=port, secret=secrets[k], delay_s=args.slow_s if k == slow else 0.0, out=outs[k]
        )
        for k, port in enumerate(ports)
        if k != down
    }
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    worker = worker_start(
        database_url=db_url,
        broker=BROKER_URL,
        threads=args.celery_threads,
        queues="webhooks,celery",
        beat=True,
        extra_env={
            "WEBHOOK_SWEEP_S": "1",
            "WEBHOOK_BACKOFF_BASE_S": "1",
            "WEBHOOK_BACKOFF_MAX_S": "8",
            "WEBHOOK_CONCURRENCY": str(args.concurrency),
            "WEBHOOK_BATCH_SIZE": str(args.concurrency * 5),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(work / "beat"),
        },
        log=work / "worker.log",
    )
    server, base = gunicorn_start(db_url, workers=args.workers, threads=1)
    judges: list = []
    try:
        web_server_wait(base)
        drive(base, campaign, sessions[:2], 2, 0)  # warm the connections and prepared statements
        time.sleep(3)  # the worker connects to the broker
        started = time.monotonic()
        emit_s = events_emit(args.events)
        print(f"{args.events:,} events emitted in {emit_s:.1f} s ({load_note()})", flush=True)

        def back_up() -> None:
            time.sleep(max(0.0, started + args.down_s - time.monotonic()))
            receivers[down] = receiver_start(
                port=ports[down], secret=secrets[down], delay_s=0.0, out=outs[down]
            )
            print(f"receiver {down} is up after {time.monotonic() - started:.1f} s", flush=True)

        upper = threading.Thread(target=back_up, daemon=True)
        upper.start()
        judges = drive(base, campaign, sessions, args.seconds, args.pause)
        upper.join()
        expected = args.events * args.receivers
        while time.monotonic() - started < args.deadline_s:
            if Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count() >= expected:
                break
            time.sleep(1)
        all_delivered_s = time.monotonic() - started
        # Late copies (a request in flight when its claim ran out) would come within a timeout.
        time.sleep(2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        processes_stop(worker)
        for process in receivers.values():
            process.terminate()
            process.wait(timeout=10)
    probe = round(statistics.median([probe_before, probe_s()]), 4)

    delivered = duplicates = bad = 0
    for k in range(args.receivers):
        seen: dict[str, int] = {}
        for line in receipts(outs[k]):
            seen[line["event_id"]] = seen.get(line["event_id"], 0) + 1
            bad += not line["signature_ok"]
        delivered += len(seen)
        duplicates += sum(n - 1 for n in seen.values())
        print(f"receiver {k}: {len(seen):,} events, {sum(seen.values()) - len(seen)} repeats", flush=True)
    lost = args.events * args.receivers - delivered
    states = {
        row["status"]: row["n"]
        for row in Delivery.objects.order_by().values("status").annotate(n=Count("id"))
    }
    unanswered = Attempt.objects.filter(status_code__isnull=True).count()
    submit_ms = [v for j in judges for v in j.submit_ms]
    errors = [e for j in judges for e in j.errors]
    print(
        f"all delivered after {all_delivered_s:.0f} s; delivery rows {states}; {unanswered} attempts unanswered"
        f" (the receiver down); judging: {len(submit_ms)} submits,"
        f" p50 {statistics.median(submit_ms) if submit_ms else float('nan'):.1f} ms, p95 {p(submit_ms, 95):.1f} ms,"
        f" errors {len(errors)} {errors[:3]}; probe_s {probe} (p95 target {30 * max(probe, 0.16) / 0.16:.1f} ms)",
        flush=True,
    )
    bench_line(
        {
            "name": "webhooks",
            "events": args.events,
            "receivers": args.receivers,
            "delivered": delivered,
            "lost": lost,
            "duplicates_after_2xx": duplicates,
            "bad_signatures": bad,
            "all_delivered_s": round(all_delivered_s, 1),
            "attempts_unanswered": unanswered,
            "judging_p95_ms": round(p(submit_ms, 95), 1),
            "probe_s": probe,
        }
    )


if __name__ == "__main__":
    main()
