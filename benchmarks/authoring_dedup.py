"""The near-duplicate check an author waits for on the write page, against a big set.

100,000 synthetic Chinese prompts (30–80 characters drawn from 2,500 common ones) are indexed
as accepted prompts of one set: their MinHash signatures and LSH bands are computed by
authoring.dedup and written with COPY (the ORM would spend minutes on 3.2 million band rows).
Then 200 queries, half a copy of an indexed prompt with a few characters changed (each clearly above
the threshold must find it), half new text, go through authoring.dedup.near_duplicates — the call the page's htmx check,
the API and every submit make. Target: p95 ≤ 20 ms (× probe_s / 0.16 on a slower machine).

Run: .venv/bin/python benchmarks/authoring_dedup.py [--prompts 100000] [--queries 200] [--smoke]
`dedup_p95_ms(prompts, queries)` is what the authoring load benchmark calls.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time

from _common import arguments, bench_line, django_setup, probe_s, scratch_database

# Common Chinese characters (CJK Unified Ideographs in frequency-ish order are not needed: a
# fixed block of 2,500 gives unrelated prompts the low 3-gram overlap real ones have).
ALPHABET = [chr(code) for code in range(0x4E00, 0x4E00 + 2500)]


def synthetic_prompt(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(30, 80)))


def near_copy(text: str, rng: random.Random, changes: int = 2) -> str:
    chars = list(text)
    for _ in range(changes):
        chars[rng.randrange(len(chars))] = rng.choice(ALPHABET)
    return "".join(chars)


def _copy(table: str, columns: str, rows: io.StringIO) -> None:
    from django.db import connection

    rows.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", rows)


def index_build(prompt_set, texts: list[str]) -> list[int]:
    """The set's prompts and their index, as accepting them would leave it; returns prompt ids."""
    from django.db import connection

    from authoring import dedup
    from authoring.models import PromptSignature, ShingleBand
    from prompts.models import Prompt

    Prompt.objects.bulk_create(
        [
            Prompt(prompt_set=prompt_set, external_id=str(n), level="safety", source="authoring", text=text)
            for n, text in enumerate(texts)
        ],
        batch_size=5000,
    )
    ids = dict(Prompt.objects.filter(prompt_set=prompt_set).values_list("external_id", "id"))
    signatures, bands = io.StringIO(), io.StringIO()
    for n, text in enumerate(texts):
        prompt_id = ids[str(n)]
        sig = dedup.signature(text)
        signatures.write(f"{prompt_id}\t\\\\x{sig.tobytes().hex()}\n")
        for band, value in enumerate(dedup.band_hashes(sig)):
            bands.write(f"{prompt_set.pk}\t{prompt_id}\t{band}\t{value}\n")
    _copy(PromptSignature._meta.db_table, "prompt_id, signature", signatures)
    _copy(ShingleBand._meta.db_table, "prompt_set_id, prompt_id, band, band_hash", bands)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {ShingleBand._meta.db_table}")
        cursor.execute(f"VACUUM (ANALYZE) {PromptSignature._meta.db_table}")
    return [ids[str(n)] for n in range(len(texts))]


def dedup_p95_ms(prompts: int, queries: int, *, seed: int = 26) -> dict[str, float]:
    """Index `prompts` synthetic prompts in a new set and time `queries` checks (Django set up)."""
    from authoring import dedup
    from prompts.models import PromptSet

    rng = random.Random(seed)
    texts = [synthetic_prompt(rng) for _ in range(prompts)]
    prompt_set = PromptSet.objects.create(name=f"dedup bench {time.time_ns()}", source="authoring")
    started = time.perf_counter()
    ids = index_build(prompt_set, texts)
    index_s = time.perf_counter() - started
    asked = []
    for q in range(queries):
        if q % 2 == 0:
            n = rng.randrange(prompts)
            asked.append((near_copy(texts[n], rng), ids[n]))
        else:
            asked.append((synthetic_prompt(rng), None))
    for text, _ in asked[:5]:  # warm the connection and the plan cache
        dedup.near_duplicates(prompt_set=prompt_set.pk, text=text)
    times, missed, false_hits = [], 0, 0
    shingles_of = {ids[n]: dedup.shingles(texts[n]) for n in range(prompts)}
    for text, expected in asked:
        t0 = time.perf_counter()
        found = dedup.near_duplicates(prompt_set=prompt_set.pk, text=text)
        times.append((time.perf_counter() - t0) * 1000)
        ids_found = [d.prompt_id for d in found]
        if expected is not None and expected not in ids_found:
            # Only a copy clearly above the threshold must be found: the estimate from 128
            # permutations is within about ±0.04 of the true similarity.
            mine, theirs = dedup.shingles(text), shingles_of[expected]
            missed += len(mine & theirs) / len(mine | theirs) >= dedup.THRESHOLD + 0.1
        if expected is None and ids_found:
            false_hits += 1
    times.sort()
    return {
        "dedup_p95_ms": round(times[max(0, int(0.95 * len(times)) - 1)], 2),
        "dedup_median_ms": round(statistics.median(times), 2),
        "index_s": round(index_s, 1),
        "near_copies_missed": missed,
        "new_texts_matched": false_hits,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = arguments(parser, smoke={"prompts": 500, "queries": 20})
    django_setup(scratch_database("valuelens_bench_authoring_dedup"))
    probe = probe_s()
    figures = dedup_p95_ms(args.prompts, args.queries)
    print(
        f"{args.prompts:,} prompts indexed in {figures['index_s']} s; {args.queries} checks: "
        f"median {figures['dedup_median_ms']} ms, p95 {figures['dedup_p95_ms']} ms; "
        f"near copies missed {figures['near_copies_missed']}, new texts matched {figures['new_texts_matched']}"
    )
    bench_line(
        {
            "name": "authoring_dedup",
            "prompts": args.prompts,
            "queries": args.queries,
            **figures,
            "probe_s": probe,
        }
    )


if __name__ == "__main__":
    main()
