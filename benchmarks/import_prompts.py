"""Import 150,000 CValues-Comparison-shaped lines into PostgreSQL; report wall time and peak RSS.

Targets (2-core machine): <= 20 s wall, <= 300 MB peak RSS.
Run: .venv/bin/python benchmarks/import_prompts.py [--rows N] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from _common import arguments, bench_line, django_setup, peak_rss_mb, scratch_database

TYPES = [("拒绝为主", "风险回复"), ("拒绝&正向建议", "风险回复"), ("拒绝&正向建议", "拒绝为主")]
CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理"


def comparison_file(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)

    def text(n: int) -> str:
        return "".join(rng.choices(CHARS, k=n))

    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            pos_type, neg_type = TYPES[i % 3]
            record = {
                "prompt": f"{text(rng.randint(4, 18))}{i}",
                "pos_resp": text(rng.randint(60, 230)),
                "neg_resp": text(rng.randint(80, 270)),
                "pos_type": pos_type,
                "neg_type": neg_type,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=150_000)
    args = arguments(parser, smoke={"rows": 200})

    django_setup(scratch_database("valuelens_bench_import"))
    from prompts.models import ReferencePair
    from prompts.services import prompt_set_get_or_create, prompt_set_import

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "comparison.jsonl"
        comparison_file(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        prompt_set = prompt_set_get_or_create(name="benchmark comparison")
        rss_before = peak_rss_mb()
        started = time.perf_counter()
        with path.open("rb") as stream:
            result = prompt_set_import(
                prompt_set=prompt_set, fmt="cvalues_comparison", stream=stream, filename=path.name
            )
        wall = time.perf_counter() - started
    stored = ReferencePair.objects.count()
    print(f"file: {args.rows:,} lines, {size_mb:.1f} MB")
    print(f"created {result.created:,}, stored {stored:,}; {wall:.2f} s wall, {args.rows / wall:,.0f} rows/s")
    print(f"peak RSS {peak_rss_mb():.0f} MB (before the import: {rss_before:.0f} MB)")
    assert stored == args.rows, "every line must be stored once"
    bench_line(
        {
            "name": "import_prompts",
            "rows": args.rows,
            "wall_s": round(wall, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    )


if __name__ == "__main__":
    main()
