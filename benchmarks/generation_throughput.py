"""Generation on Celery workers against a local OpenAI-compatible stub server (Redis broker,
PostgreSQL), counting the requests the server received: every paid request is sent once.

1. Throughput: 2,000 generations, every answer after a fixed 200 ms, model concurrency 32, one
   worker process (4 threads). Ideal: 2000 x 0.2 s / 32 = 12.5 s. Target: <= 1.25 x ideal, every
   response stored once, and the stub received exactly 2,000 requests (`requests_sent`).
2. Slow answers: 400 generations answered after 3 s, concurrency 8, two worker processes and beat
   (the reconcile task every 15 s), GENERATION_CLAIM_STALE_S = 30: the last rows wait about 150 s
   for a slot, five times the stale limit. Target: the stub received exactly 400 requests
   (`requests_sent_slow`): no waiting row is taken for a dead worker's.

Run: .venv/bin/python benchmarks/generation_throughput.py [--n 2000] [--concurrency 32] [--skip-slow] [--smoke]
(BENCH_BROKER_URL, default redis://127.0.0.1:6379/13, picks the Redis database).
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from typing import Any

from _common import (
    BROKER_URL,
    arguments,
    bench_line,
    django_setup,
    processes_stop,
    scratch_database,
    stub_start,
    worker_start,
)


def stub_stats(base_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats", timeout=10) as reply:  # noqa: S310
        return json.load(reply)


def scenario(
    *,
    name: str,
    n: int,
    delay: float,
    concurrency: int,
    workers: int,
    threads: int,
    beat: bool,
    db_url: str,
    broker: str,
    extra_env: dict[str, str] | None = None,
    startup_s: float = 3,
) -> dict[str, Any]:
    import redis
    from django.db import connection

    from models_registry.models import Response
    from models_registry.services import generation_run_start, model_register
    from prompts.models import Level, Prompt
    from prompts.services import prompt_set_get_or_create

    redis.Redis.from_url(broker).flushdb()
    stub, base_url = stub_start("--delay", str(delay))
    processes = [
        worker_start(
            database_url=db_url, broker=broker, threads=threads, beat=beat and i == 0, extra_env=extra_env
        )
        for i in range(workers)
    ]
    try:
        prompt_set = prompt_set_get_or_create(name=name)
        Prompt.objects.bulk_create(
            Prompt(
                prompt_set=prompt_set,
                external_id=str(i),
                level=Level.SAFETY,
                source="bench",
                text=f"{name} {i}",
            )
            for i in range(n)
        )
        model = model_register(
            name=name, base_url=base_url, model_id="stub-model", max_concurrency=concurrency, max_retries=3
        )
        time.sleep(startup_s)  # the workers connect to the broker
        started = time.perf_counter()
        run = generation_run_start(name=name, prompt_set=prompt_set, models=[model])
        while Response.objects.filter(runs=run, status__in=["succeeded", "failed"]).count() < n:
            time.sleep(0.05)
        wall = time.perf_counter() - started
        stats = stub_stats(base_url)
        stored = Response.objects.filter(runs=run, status="succeeded").count()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM (SELECT 1 FROM models_registry_response WHERE model_id = %s "
                "GROUP BY prompt_id, model_id, params_hash, sample_index HAVING count(*) > 1) d",
                [model.pk],
            )
            duplicates = cur.fetchone()[0]
    finally:
        processes_stop(*processes)
        stub.terminate()
        stub.wait(timeout=10)
    return {
        "wall_s": wall,
        "stored": stored,
        "failed": n - stored,
        "duplicates": duplicates,
        "requests_sent": stats["requests_sent"],
        "prompts_sent_more_than_once": stats["prompts_sent_more_than_once"],
        "max_in_flight": stats["max_in_flight"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument("--slow-n", type=int, default=400)
    parser.add_argument("--slow-delay", type=float, default=3.0)
    parser.add_argument("--skip-slow", action="store_true")
    args = arguments(
        parser,
        smoke={"n": 12, "concurrency": 4, "delay": 0.05, "worker_threads": 2, "slow_n": 4, "slow_delay": 0.1},
    )

    db_url = scratch_database("valuelens_bench_generation")
    broker = BROKER_URL
    django_setup(db_url)
    # At the smoke size the workers' start is timed too: the figures mean nothing there.
    common = {"db_url": db_url, "broker": broker, "startup_s": 0 if args.smoke else 3}

    fast = scenario(
        name="throughput",
        n=args.n,
        delay=args.delay,
        concurrency=args.concurrency,
        workers=1,
        threads=args.worker_threads,
        beat=False,
        **common,
    )
    ideal = args.n * args.delay / args.concurrency
    print(f"{args.n} generations, concurrency {args.concurrency}, server delay {args.delay * 1000:.0f} ms")
    print(
        f"wall {fast['wall_s']:.2f} s, ideal {ideal:.2f} s, ratio {fast['wall_s'] / ideal:.3f}; "
        f"stored {fast['stored']}, failed {fast['failed']}, duplicates {fast['duplicates']}, "
        f"requests sent {fast['requests_sent']}, most in flight {fast['max_in_flight']}"
    )
    figures: dict[str, Any] = {
        "name": "generation_throughput",
        "n": args.n,
        "wall_s": round(fast["wall_s"], 2),
        "ideal_s": round(ideal, 2),
        "ratio": round(fast["wall_s"] / ideal, 3),
        "stored": fast["stored"],
        "duplicates": fast["duplicates"],
        "requests_sent": fast["requests_sent"],
    }
    if not args.skip_slow:
        slow = scenario(
            name="slow",
            n=args.slow_n,
            delay=args.slow_delay,
            concurrency=8,
            workers=2,
            threads=4,
            beat=True,
            extra_env={"GENERATION_CLAIM_STALE_S": "30"},
            **common,
        )
        slow_ideal = args.slow_n * args.slow_delay / 8
        print(
            f"slow: {args.slow_n} generations answered after {args.slow_delay:g} s, concurrency 8, 2 workers "
            f"and beat, stale limit 30 s: wall {slow['wall_s']:.1f} s (ideal {slow_ideal:.0f} s), stored "
            f"{slow['stored']}, requests sent {slow['requests_sent']}, prompts sent twice "
            f"{slow['prompts_sent_more_than_once']}, most in flight {slow['max_in_flight']}"
        )
        figures |= {
            "n_slow": args.slow_n,
            "wall_s_slow": round(slow["wall_s"], 1),
            "ideal_s_slow": round(slow_ideal, 1),
            "stored_slow": slow["stored"],
            "requests_sent_slow": slow["requests_sent"],
        }
    bench_line(figures)


if __name__ == "__main__":
    main()
