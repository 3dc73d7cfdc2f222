"""A model judge over 20,000 safety items that people judged three times each.

Data: 20,000 items, each with 3 synthetic crowd judgements (from a pool of 60 people, each right
with probability 0.9 about a hidden truth, 70% safe). The judge is the stub server acting as a
safety judge model: it answers after 100 ms with the truth as JSON, wrong for a set share of the
items (--error-rate, 0.1); model concurrency 32, Redis. The workers are laid out as docker-compose
runs them: the generation queue on a worker of its own (one process, 4 threads), every other queue
(the run's preparation, the collecting of answers, the figures) on a second worker (2 threads).
--one-worker puts every queue on one worker instead, as the quickstart does.

Measured:
- the judge run, from judge_run_start (the run; a worker then writes the hidden prompts and the
  generations a chunk at a time, fetched as each chunk commits) until every answer is stored as a
  machine judgement, against its ideal 20,000 x 0.1 s / 32 = 62.5 s (target <= 1.25x);
- the judge-vs-people figures (κ and α with bootstrap intervals, confusion matrix, per scenario,
  human baseline), computed by the worker as a snapshot: its compute time (target <= 5 s);
- the κ the figures report, against scikit-learn's cohen_kappa_score of the same majority and
  judge values read back from the database (equal to 4 decimals).

Run: .venv/bin/python benchmarks/judge_agreement.py [--items 20000] [--error-rate 0.1] [--smoke]
(BENCH_BROKER_URL picks the Redis database, redis://127.0.0.1:6379/13 by default.)
"""

from __future__ import annotations

import argparse
import random
import time

from _common import (
    BROKER_URL,
    arguments,
    bench_line,
    django_setup,
    probe_s,
    processes_stop,
    scratch_database,
    stub_start,
    worker_start,
)

PEOPLE = 60
JUDGES_PER_ITEM = 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--error-rate", type=float, default=0.1)
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="Celery workers for the generation queue")
    parser.add_argument("--one-worker", action="store_true", help="every queue on one worker")
    parser.add_argument(
        "--pool", default="threads", choices=["threads", "prefork"], help="prefork: as docker-compose runs it"
    )
    args = arguments(parser, smoke={"items": 40, "concurrency": 4, "delay": 0.02, "worker_threads": 2})

    probe_before = probe_s()
    db_url = scratch_database("valuelens_bench_judges")
    broker = BROKER_URL
    django_setup(db_url)
    import redis
    from django.contrib.auth.models import User
    from sklearn.metrics import cohen_kappa_score

    from annotation.models import Campaign, Item, Judgement
    from annotation.services import campaign_create
    from config.celery_app import app
    from evaluation.figures.selectors import FigureScope
    from evaluation.figures.services import figure_snapshot_request
    from evaluation.judges.services import judge_run_start
    from evaluation.models import FigureSnapshot, MachineJudgement
    from models_registry.models import Response
    from models_registry.services import model_register
    from prompts.models import Level, Prompt
    from prompts.services import prompt_set_get_or_create

    app.control.purge()
    redis.Redis.from_url(broker).flushdb()
    rng = random.Random(17)

    # ---- data: items, responses, three people's judgements each
    prompt_set = prompt_set_get_or_create(name="judge benchmark")
    truths = [rng.random() < 0.7 for _ in range(args.items)]
    Prompt.objects.bulk_create(
        [
            Prompt(
                prompt_set=prompt_set,
                external_id=str(i),
                level=Level.SAFETY,
                source="bench",
                text=f"问题 {i}",
            )
            for i in range(args.items)
        ],
        batch_size=5000,
    )
    under_test = model_register(name="model-under-test", base_url="http://127.0.0.1:9/v1", model_id="m")
    prompts = dict(Prompt.objects.filter(prompt_set=prompt_set).values_list("external_id", "id"))
    Response.objects.bulk_create(
        [
            Response(
                prompt_id=prompts[str(i)],
                model=under_test,
                params_hash="h",
                request_hash="r",
                status=Response.Status.SUCCEEDED,
                text=f"回答 {i} [truth:{'safe' if truths[i] else 'unsafe'}]",
            )
            for i in range(args.items)
        ],
        batch_size=5000,
    )
    campaign = campaign_create(
        name="judge benchmark",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(model=under_test),
        judges_per_item=JUDGES_PER_ITEM,
    )
    campaign.status = Campaign.Status.OPEN
    campaign.save()
    people = User.objects.bulk_create([User(username=f"crowd{k}") for k in range(PEOPLE)])
    truth_of_prompt = {prompts[str(i)]: truths[i] for i in range(args.items)}
    judgements = []
    for item_id, prompt_id in Item.objects.filter(campaign=campaign).values_list("id", "prompt_id"):
        truth = truth_of_prompt[prompt_id]
        for user in rng.sample(people, JUDGES_PER_ITEM):
            judgements.append(
                Judgement(
                    item_id=item_id,
                    user=user,
                    campaign=campaign,
                    safe=truth if rng.random() < 0.9 else not truth,
                )
            )
    Judgement.objects.bulk_create(judgements, batch_size=10_000)
    Item.objects.filter(campaign=campaign).update(judgement_count=JUDGES_PER_ITEM, open_slots=0)
    print(f"{args.items:,} items, {len(judgements):,} judgements by {PEOPLE} people")

    stub, base_url = stub_start("--delay", str(args.delay), "--judge-error-rate", str(args.error_rate))
    generation_queues = "" if args.one_worker else "generation"
    workers = [
        worker_start(
            database_url=db_url,
            broker=broker,
            threads=args.worker_threads,
            pool=args.pool,
            queues=generation_queues,
        )
        for _ in range(args.workers)
    ]
    if not args.one_worker:
        workers.append(
            worker_start(
                database_url=db_url, broker=broker, threads=2, queues="celery,imports,exports,figures"
            )
        )
    try:
        judge_model = model_register(
            name="stub-judge",
            base_url=base_url,
            model_id="stub-judge",
            temperature=0.0,
            max_concurrency=args.concurrency,
            max_retries=3,
        )
        if not args.smoke:
            time.sleep(3)  # the worker connects to the broker

        # ---- the judge run
        started = time.perf_counter()
        judge_run_start(name="benchmark", campaign=campaign, models=[judge_model])
        start_s = time.perf_counter() - started
        while MachineJudgement.objects.filter(campaign=campaign).count() < args.items:
            if Response.objects.filter(model=judge_model, status="failed").exists():
                raise SystemExit("a generation failed")
            time.sleep(0.2)
        wall = time.perf_counter() - started
        ideal = args.items * args.delay / args.concurrency
        need_check = MachineJudgement.objects.filter(campaign=campaign, status="Need_Check").count()

        # ---- the figures, on the worker
        asked = time.perf_counter()
        snapshot = figure_snapshot_request(
            kind=FigureSnapshot.Kind.JUDGES, scope=FigureScope(campaign_ids=(campaign.pk,))
        )
        while snapshot.status not in (FigureSnapshot.Status.READY, FigureSnapshot.Status.FAILED):
            time.sleep(0.1)
            snapshot.refresh_from_db()
        ready_s = time.perf_counter() - asked
        if snapshot.status == FigureSnapshot.Status.FAILED:
            raise SystemExit(f"the figures failed: {snapshot.error}")
        compute_s = snapshot.compute_ms / 1000
        [row] = snapshot.payload["safety"]["judges"]
        kappa = row["vs_majority"]["kappa"]
        alpha = row["vs_majority"]["alpha"]
        baseline = snapshot.payload["safety"]["baseline"]

        # ---- the oracle: the same majority and judge values, from the database
        votes: dict[int, list[bool]] = {}
        for item_id, safe in Judgement.objects.filter(campaign=campaign).values_list("item_id", "safe"):
            votes.setdefault(item_id, []).append(safe)
        judged = dict(
            MachineJudgement.objects.filter(campaign=campaign, status="ok").values_list("item_id", "safe")
        )
        majority = [int(sum(v) > len(v) - sum(v)) for item, v in votes.items() if item in judged]
        machine = [int(judged[item]) for item in votes if item in judged]
        oracle = cohen_kappa_score(majority, machine)
        matches = round(kappa["value"], 4) == round(oracle, 4)
    finally:
        stub.terminate()
        processes_stop(*workers)
        stub.wait(timeout=10)

    print(
        f"judge run: {args.items:,} items, delay {args.delay * 1000:.0f} ms, concurrency {args.concurrency}, "
        f"{args.workers} generation worker process(es) of {args.worker_threads} threads"
        f"{' taking every queue' if args.one_worker else ' and one of 2 threads for the other queues'}, "
        f"error rate {args.error_rate}: wall {wall:.2f} s (of which {start_s:.2f} s to start), ideal {ideal:.2f} s, "
        f"ratio {wall / ideal:.3f}; Need_Check {need_check}"
    )
    print(
        f"figures on the worker: compute {compute_s:.2f} s (ready {ready_s:.2f} s after asking); "
        f"κ {kappa['value']:.4f} [{kappa['ci_low']:.4f}, {kappa['ci_high']:.4f}], "
        f"α {alpha['value']:.4f} [{alpha['ci_low']:.4f}, {alpha['ci_high']:.4f}], "
        f"exact agreement {row['vs_majority']['accuracy']:.4f}; an average single person: "
        f"κ {baseline['kappa']:.4f}, exact agreement {baseline['accuracy']:.4f}"
    )
    print(f"scikit-learn κ {oracle:.6f}, ValueLens κ {kappa['value']:.6f}")
    # The run's ideal is the stub's delay, not CPU; the probe says how fast the machine was.
    print(f"probe_s {probe_before:.4f} before, {probe_s():.4f} after (the reference is 0.16)")
    bench_line(
        {
            "name": "judge_agreement",
            "items": args.items,
            "wall_s": round(wall, 2),
            "ideal_s": round(ideal, 2),
            "ratio": round(wall / ideal, 3),
            "compute_s": round(compute_s, 2),
            "kappa_matches_sklearn": matches,
        }
    )


if __name__ == "__main__":
    main()
