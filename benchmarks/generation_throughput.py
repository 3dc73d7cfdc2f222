"""2,000 generations against a local OpenAI-compatible server that answers every request after a
fixed 200 ms, with model concurrency 32, on one Celery worker process (Redis broker, PostgreSQL).

Ideal: 2000 x 0.2 s / 32 = 12.5 s. Target: <= 1.25 x ideal, every response stored once.
Run: .venv/bin/python benchmarks/generation_throughput.py [--n 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import os
import signal
import time

from _common import bench_line, django_setup, scratch_database, stub_start, worker_start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--worker-threads", type=int, default=4)
    args = parser.parse_args()

    db_url = scratch_database("valuelens_bench_generation")
    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13")
    os.environ["CELERY_BROKER_URL"] = broker
    django_setup(db_url)
    from django.db import connection

    from config.celery_app import app
    from models_registry.models import Response
    from models_registry.services import generation_run_start, model_register
    from prompts.models import Level, Prompt
    from prompts.services import prompt_set_get_or_create

    app.control.purge()
    import redis

    redis.Redis.from_url(broker).flushdb()

    stub, base_url = stub_start("--delay", str(args.delay))
    worker = worker_start(database_url=db_url, broker=broker, threads=args.worker_threads)
    try:
        prompt_set = prompt_set_get_or_create(name="throughput")
        Prompt.objects.bulk_create(
            Prompt(
                prompt_set=prompt_set,
                external_id=str(i),
                level=Level.SAFETY,
                source="bench",
                text=f"prompt {i}",
            )
            for i in range(args.n)
        )
        model = model_register(
            name="stub",
            base_url=base_url,
            model_id="stub-model",
            max_concurrency=args.concurrency,
            max_retries=3,
        )
        time.sleep(3)  # the worker connects to the broker
        started = time.perf_counter()
        run = generation_run_start(name="throughput", prompt_set=prompt_set, models=[model])
        while True:
            done = Response.objects.filter(runs=run, status__in=["succeeded", "failed"]).count()
            if done >= args.n:
                break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        stored = Response.objects.filter(runs=run, status="succeeded").count()
        failed = Response.objects.filter(runs=run, status="failed").count()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM (SELECT 1 FROM models_registry_response "
                "GROUP BY prompt_id, model_id, params_hash, sample_index HAVING count(*) > 1) d"
            )
            duplicates = cur.fetchone()[0]
    finally:
        worker.send_signal(signal.SIGTERM)
        stub.terminate()
        worker.wait(timeout=30)
        stub.wait(timeout=10)
    ideal = args.n * args.delay / args.concurrency
    print(f"{args.n} generations, concurrency {args.concurrency}, server delay {args.delay * 1000:.0f} ms")
    print(
        f"wall {wall:.2f} s, ideal {ideal:.2f} s, ratio {wall / ideal:.3f}; stored {stored}, failed {failed}, duplicates {duplicates}"
    )
    bench_line(
        {
            "name": "generation_throughput",
            "n": args.n,
            "wall_s": round(wall, 2),
            "ideal_s": round(ideal, 2),
            "ratio": round(wall / ideal, 3),
            "stored": stored,
            "duplicates": duplicates,
        }
    )


if __name__ == "__main__":
    main()
