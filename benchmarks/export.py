"""Export benchmark: a scored export of 1,000,000 judgement rows to JSONL, as the export task runs
it (evaluation.exports.services.export_run: the judgements and items files, the models' scores,
the dataset card with its agreement figures, one zip), with bounded memory.

Seeds a scratch PostgreSQL database (250,000 safety items judged by 4 of 50 crowdworkers each;
the campaign made by campaign_create, the rest with SQL generate_series), then times the export
alone. Targets: ≤ 30 s and ≤ 300 MB peak RSS.

Run: .venv/bin/python benchmarks/export.py [--items 250000] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from _common import (
    arguments,
    bench_line,
    django_setup,
    peak_rss_mb,
    prompts_insert,
    responses_insert,
    scratch_database,
)

JUDGES_PER_ITEM = 4
ANNOTATORS = 50


def seed(items: int) -> int:
    from django.db import connection

    from annotation.models import Campaign, Item
    from annotation.services import campaign_create
    from common.roles import Role
    from models_registry.models import Response
    from models_registry.services import model_register
    from people.services import user_create
    from prompts.models import PromptSet

    prompt_set = PromptSet.objects.create(name="export bench")
    model = model_register(name="export-model", base_url="http://127.0.0.1:9/v1", model_id="m")
    for i in range(ANNOTATORS):
        user_create(username=f"bench-{i:02d}", password="unused-here", roles=[Role.CROWDWORKER])
    prompts_insert(prompt_set_id=prompt_set.pk, count=items, text_sql="'请问第 ' || g || ' 个问题怎么办？'")
    responses_insert(
        prompt_set_id=prompt_set.pk, model_id=model.pk, text_sql="'这是对 ' || p.text || ' 的回答。'"
    )
    campaign = campaign_create(
        name="export bench",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(model=model),
        judges_per_item=JUDGES_PER_ITEM,
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    Item.objects.filter(campaign=campaign).update(judgement_count=JUDGES_PER_ITEM, open_slots=0)
    with connection.cursor() as cur:
        cur.execute(
            "WITH judges AS (SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM auth_user"
            "  WHERE username LIKE 'bench-%%')"
            " INSERT INTO annotation_judgement (item_id, user_id, campaign_id, safe, scenario_id, response_type,"
            " reason, score, best_response_id, none_good, rewrite, time_spent_ms, too_fast, contradictory,"
            " void_reason, created_at, updated_at, previous_values)"
            " SELECT i.id, j.id, i.campaign_id, random() < 0.8, NULL,"
            " (ARRAY['helpful', 'refusal_guidance', 'bare_refusal', 'risky'])[1 + floor(random() * 4)::int],"
            " CASE WHEN random() < 0.1 THEN '回答里有风险内容' ELSE '' END, NULL, NULL, false, '',"
            " floor(random() * 60000)::int, false, false, '', now() - random() * interval '30 days', now(),"
            " '[]'::jsonb"
            " FROM annotation_item i CROSS JOIN generate_series(0, %s) k"
            " JOIN judges j ON j.idx = (i.id * %s + k) %% %s"
            " WHERE i.campaign_id = %s",
            [JUDGES_PER_ITEM - 1, JUDGES_PER_ITEM, ANNOTATORS, campaign.pk],
        )
        cur.execute(
            "INSERT INTO annotation_judgetally (campaign_id, user_id, judged)"
            " SELECT campaign_id, user_id, count(*) FROM annotation_judgement WHERE campaign_id = %s"
            " GROUP BY campaign_id, user_id",
            [campaign.pk],
        )
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")
    return campaign.pk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=250_000)
    args = arguments(parser, smoke={"items": 200})

    media = tempfile.TemporaryDirectory()
    os.environ["MEDIA_ROOT"] = media.name
    django_setup(scratch_database("valuelens_bench_export"))
    from evaluation.exports.services import export_create, export_run
    from evaluation.figures.selectors import FigureScope
    from evaluation.models import Export

    started = time.perf_counter()
    campaign_id = seed(args.items)
    print(
        f"seeded {args.items * JUDGES_PER_ITEM:,} judgements in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    export = export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(campaign_id,)),
        enqueue=False,
    )
    started = time.perf_counter()
    export = export_run(export_id=export.pk)
    wall = time.perf_counter() - started
    peak = peak_rss_mb()
    if export is None or export.status != Export.Status.READY:
        raise SystemExit(f"the export did not finish: {export and export.error}")
    rows = export.counts["judgements.jsonl"]
    size_mb = export.size_bytes / 1e6
    media.cleanup()
    print(
        f"{rows:,} judgement rows ({export.counts}), a {size_mb:.0f} MB zip in {wall:.1f} s"
        f" ({rows / wall:,.0f} judgement rows/s), peak RSS {peak:.0f} MB"
    )
    bench_line({"name": "export", "rows": rows, "wall_s": round(wall, 2), "peak_rss_mb": round(peak, 1)})


if __name__ == "__main__":
    main()
