"""Export benchmark: 1,000,000 judgement rows streamed to JSONL, the raw-judgements file of a
scored export (evaluation.export_services.judgements_file_write), with bounded memory.

Seeds a scratch PostgreSQL database with SQL generate_series (250,000 safety items judged by 4 of
50 crowdworkers each), then times the export alone. Targets: ≤ 30 s and ≤ 300 MB peak RSS.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _common import bench_line, django_setup, peak_rss_mb, scratch_database

ITEMS = int(os.environ.get("BENCH_EXPORT_ITEMS", "250000"))
JUDGES_PER_ITEM = 4
ANNOTATORS = 50


def seed() -> None:
    from django.db import connection

    from annotation.models import Campaign
    from annotation.services import user_create
    from config.roles import Role
    from models_registry.services import model_register
    from prompts.models import PromptSet

    prompt_set = PromptSet.objects.create(name="export bench")
    model = model_register(name="export-model", base_url="http://127.0.0.1:9/v1", model_id="m")
    campaign = Campaign.objects.create(
        name="export bench", kind=Campaign.Kind.SAFETY, judges_per_item=JUDGES_PER_ITEM, status="closed"
    )
    for i in range(ANNOTATORS):
        user_create(username=f"bench-{i:02d}", password="unused-here", roles=[Role.CROWDWORKER])
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO prompts_prompt (prompt_set_id, external_id, level, source, text, reference_answer,"
            " metadata, created_at) SELECT %s, g::text, 'safety', 'bench', '请问第 ' || g || ' 个问题怎么办？', '',"
            " '{}', now() FROM generate_series(1, %s) g",
            [prompt_set.pk, ITEMS],
        )
        cur.execute(
            "INSERT INTO models_registry_response (prompt_id, model_id, params_hash, sample_index, params_snapshot,"
            " request_hash, status, claim, text, finish_reason, attempts, error_kind, error, created_at)"
            " SELECT p.id, %s, 'h', 0, '{}', 'r', 'succeeded', '', '这是对 ' || p.text || ' 的回答。', 'stop', 1,"
            " '', '', now() FROM prompts_prompt p WHERE p.prompt_set_id = %s",
            [model.pk, prompt_set.pk],
        )
        cur.execute(
            "INSERT INTO annotation_item (campaign_id, prompt_id, model_id, judgement_count, lease_count, open_slots)"
            " SELECT %s, p.id, %s, %s, 0, 0 FROM prompts_prompt p WHERE p.prompt_set_id = %s ORDER BY p.id",
            [campaign.pk, model.pk, JUDGES_PER_ITEM, prompt_set.pk],
        )
        cur.execute(
            "INSERT INTO annotation_itemresponse (item_id, response_id, position)"
            " SELECT i.id, r.id, 1 FROM annotation_item i JOIN models_registry_response r ON r.prompt_id = i.prompt_id"
            " WHERE i.campaign_id = %s",
            [campaign.pk],
        )
        cur.execute(
            "WITH judges AS (SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM auth_user"
            "  WHERE username LIKE 'bench-%%')"
            " INSERT INTO annotation_judgement (item_id, user_id, campaign_id, safe, scenario_id, response_type,"
            " reason, score, best_response_id, none_good, rewrite, time_spent_ms, created_at, updated_at,"
            " previous_values)"
            " SELECT i.id, j.id, i.campaign_id, random() < 0.8, NULL,"
            " (ARRAY['helpful', 'refusal_guidance', 'bare_refusal', 'risky'])[1 + floor(random() * 4)::int],"
            " CASE WHEN random() < 0.1 THEN '回答里有风险内容' ELSE '' END, NULL, NULL, false, '',"
            " floor(random() * 60000)::int, now() - random() * interval '30 days', now(), '[]'::jsonb"
            " FROM annotation_item i CROSS JOIN generate_series(0, %s) k"
            " JOIN judges j ON j.idx = (i.id * %s + k) %% %s"
            " WHERE i.campaign_id = %s",
            [JUDGES_PER_ITEM - 1, JUDGES_PER_ITEM, ANNOTATORS, campaign.pk],
        )
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")


def main() -> None:
    django_setup(scratch_database("valuelens_bench_export"))
    from evaluation.exports.services import judgements_file_write
    from evaluation.figures.selectors import FigureScope

    started = time.perf_counter()
    seed()
    print(
        f"seeded {ITEMS * JUDGES_PER_ITEM:,} judgements in {time.perf_counter() - started:.1f} s", flush=True
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "judgements.jsonl"
        started = time.perf_counter()
        rows = judgements_file_write(scope=FigureScope(), fmt="jsonl", path=path)
        wall = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
    peak = peak_rss_mb()
    print(
        f"{rows:,} rows, {size_mb:.0f} MB of JSONL in {wall:.1f} s ({rows / wall:,.0f} rows/s), peak RSS {peak:.0f} MB"
    )
    bench_line({"name": "export", "rows": rows, "wall_s": round(wall, 2), "peak_rss_mb": round(peak, 1)})


if __name__ == "__main__":
    main()
