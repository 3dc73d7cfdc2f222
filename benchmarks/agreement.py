"""Agreement at scale, and the dashboards of a big campaign.

1. Krippendorff's alpha over 100,000 items x 3 judges (target <= 1 s).
2. A safety campaign with 300,000 judgements (100,000 items x 3 judges, 2 models, 10 scenarios)
   in PostgreSQL: a worker computes the results and agreement snapshots (timed, off the request
   path), then the results and agreement pages are requested through Django's full request
   handling, in process (server time, no network): target <= 300 ms for the results dashboard.

Run: .venv/bin/python benchmarks/agreement.py [--items 100000] [--requests 20] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from _common import arguments, bench_line, django_setup, prompts_insert, responses_insert, scratch_database

from metrics.agreement import krippendorff_alpha


def alpha_timings(items: int) -> dict[str, float]:
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 2, size=items)
    # Judges agree with a hidden truth 90% of the time; 5% of judgements are missing.
    matrix = np.where(rng.random((items, 3)) < 0.9, truth[:, None], 1 - truth[:, None]).astype(float)
    matrix[rng.random(matrix.shape) < 0.05] = np.nan
    timings = {}
    for level in ("nominal", "ordinal", "interval"):
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            result = krippendorff_alpha(matrix, level=level)
            best = min(best, time.perf_counter() - started)
        timings[level] = best
        print(
            f"alpha {level}: {result.value:.4f} over {result.items:,} items, best of 5 {best * 1000:.1f} ms"
        )
    return timings


def seed(items: int, judges: int = 30) -> int:
    """Two models answer items/2 prompts each; every item gets 3 judgements from 30 crowdworkers."""
    from django.db import connection

    from annotation.models import Campaign, Item
    from annotation.services import campaign_create
    from common.roles import Role
    from models_registry.models import Response
    from models_registry.services import model_register
    from people.services import user_create
    from prompts.services import prompt_set_get_or_create

    prompt_set = prompt_set_get_or_create(name="dashboard")
    models = [model_register(name=f"model-{k}", base_url="http://127.0.0.1:9/v1", model_id="m") for k in "ab"]
    prompts_insert(
        prompt_set_id=prompt_set.pk,
        count=items // 2,
        text_sql="'prompt ' || g",
        scenario_sql="(SELECT id FROM prompts_scenario ORDER BY id OFFSET mod(g, 10) LIMIT 1)",
    )
    for model in models:
        responses_insert(prompt_set_id=prompt_set.pk, model_id=model.pk, text_sql="'answer'")
    campaign = campaign_create(
        name="dashboard", kind=Campaign.Kind.SAFETY, responses=Response.objects.all(), judges_per_item=3
    )
    users = [
        user_create(username=f"judge-{i}", password="unused-here", roles=[Role.CROWDWORKER])
        for i in range(judges)
    ]
    user_ids = [u.pk for u in users]
    with connection.cursor() as cur:
        # Each item has a hidden verdict (safe for 80% of model a's items, 60% of model b's); a
        # judge agrees with it 90% of the time, the last judge only 60% (a careless one).
        cur.execute(
            "INSERT INTO annotation_judgement (item_id, user_id, campaign_id, safe, response_type, reason,"
            " none_good, rewrite, time_spent_ms, too_fast, contradictory, void_reason, created_at, updated_at,"
            " previous_values)"
            " SELECT i.id, u.uid, i.campaign_id,"
            "  CASE WHEN random() < CASE WHEN u.uid = %(careless)s THEN 0.6 ELSE 0.9 END"
            "   THEN t.truth ELSE NOT t.truth END,"
            "  '', '', false, '', (2000 + random() * 20000)::int, false, false, '', now(), now(), '[]'"
            " FROM annotation_item i"
            " CROSS JOIN LATERAL (SELECT (abs(hashint8(i.id)) %% 100) <"
            "   CASE WHEN i.model_id = %(a)s THEN 80 ELSE 60 END AS truth) t"
            " CROSS JOIN generate_series(0, 2) k"
            " CROSS JOIN LATERAL (SELECT (%(users)s::int[])[1 + ((i.id + k * 11) %% %(n)s)] AS uid) u"
            " WHERE i.campaign_id = %(campaign)s",
            {
                "careless": user_ids[-1],
                "a": models[0].pk,
                "users": user_ids,
                "n": judges,
                "campaign": campaign.pk,
            },
        )
    Item.objects.filter(campaign=campaign).update(judgement_count=3, open_slots=0)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    return campaign.pk


def request_times(client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        assert "Computed at" in response.text
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--alpha-items", type=int, default=100_000)
    args = arguments(parser, smoke={"items": 200, "requests": 1, "alpha_items": 1000})

    timings = alpha_timings(args.alpha_items)

    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    # No collectstatic here: the pages' {% static %} needs no manifest.
    os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
    django_setup(scratch_database("valuelens_bench_dashboard"))
    from django.test import Client

    from annotation.models import Judgement
    from common.roles import Role
    from evaluation.figures.selectors import FigureScope
    from evaluation.figures.services import figure_snapshot_compute
    from evaluation.models import FigureSnapshot
    from people.services import user_create

    started = time.perf_counter()
    campaign_id = seed(args.items)
    print(f"seeded {Judgement.objects.count():,} judgements in {time.perf_counter() - started:.1f} s")

    scope = FigureScope(campaign_ids=(campaign_id,))
    compute_s = {}
    for kind in ("results", "agreement"):
        snapshot = FigureSnapshot.objects.create(kind=kind, key=scope.key(kind), scope=scope.as_dict())
        started = time.perf_counter()
        figure_snapshot_compute(snapshot_id=snapshot.pk)
        compute_s[kind] = time.perf_counter() - started
        print(
            f"{kind} snapshot computed by the worker's code in {compute_s[kind]:.1f} s (off the request path)"
        )

    client = Client()
    client.force_login(user_create(username="reviewer", password="unused-here", roles=[Role.REVIEWER]))
    pages = {}
    for kind in ("results", "agreement"):
        url = f"/evaluation/campaigns/{campaign_id}/{kind}/"
        request_times(client, url, 3)  # warm the template cache and the connection
        times = request_times(client, url, args.requests)
        pages[kind] = (statistics.median(times), max(times))
        print(
            f"{kind} dashboard: median {pages[kind][0]:.1f} ms, max {pages[kind][1]:.1f} ms over {args.requests}"
        )

    bench_line(
        {
            "name": "agreement",
            "alpha_s": round(timings["nominal"], 4),
            "dashboard_ms": round(pages["results"][0], 1),
            "agreement_dashboard_ms": round(pages["agreement"][0], 1),
            "judgements": Judgement.objects.count(),
            "compute_results_s": round(compute_s["results"], 1),
            "compute_agreement_s": round(compute_s["agreement"], 1),
        }
    )


if __name__ == "__main__":
    main()
