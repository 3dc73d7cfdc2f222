"""Each judge's reliability without gold, at the scale of a big safety campaign.

1. metrics.reliability on 300,000 simulated judgements (100,000 items x 3 of 30 judges: 24 careful
   ones right 70-95% of the time, 6 random clickers; 80% of responses safe): Dawid-Skene and MACE
   timed (median of 3), and what they recover: accuracy against the truth for the majority vote, DS
   and MACE labels; the largest gap between a judge's DS accuracy and the share they really got
   right (the probe: it misses if DS is fast but wrong); MACE competence of clickers and careful ones.
2. With --crowdkit, crowd-kit's DawidSkene and MACE on the same judgements (MACE with one restart
   instead of ten, still minutes).
3. With --snapshots, the same campaign as benchmarks/agreement.py (300,000 judgements in
   PostgreSQL, scratch database valuelens_bench_reliability): the results and agreement snapshots
   computed by the worker's code, which now run DS (results) and DS + MACE (agreement).

Run: .venv/bin/python benchmarks/reliability.py [--items 100000] [--crowdkit] [--snapshots] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _common import arguments, bench_line, django_setup, scratch_database

from metrics.reliability import dawid_skene, mace
from tests.metrics.reliability_support import simulate_safety

ACCURACIES = [*np.linspace(0.7, 0.95, 24).tolist(), *[0.5] * 6]
CLICKERS = range(24, 30)


def _timed(fit, triples, runs: int = 3):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fit(triples)
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def _share_right(truth: np.ndarray, labels: dict) -> float:
    return float(np.mean([labels[i] == truth[i] for i in range(truth.size)]))


def metrics_figures(items: int, crowdkit: bool) -> dict[str, object]:
    sim = simulate_safety(accuracies=ACCURACIES, items=items, per_item=3, safe_share=0.8, seed=13)
    votes = np.zeros(items)
    for item, _, safe in sim.triples:
        votes[item] += safe
    majority = {i: bool(votes[i] >= 2) for i in range(items)}
    ds, ds_s = _timed(dawid_skene, sim.triples)
    by_mace, mace_s = _timed(mace, sim.triples)
    gap = max(abs(ds.judges[j].accuracy - sim.realised_accuracy[j]) for j in sim.realised_accuracy)
    figures: dict[str, object] = {
        "judgements": len(sim.triples),
        "ds_s": round(ds_s, 2),
        "mace_s": round(mace_s, 2),
        "ds_iterations": ds.iterations,
        "mace_iterations": by_mace.iterations,
        "acc_majority": round(_share_right(sim.truth, majority), 4),
        "acc_ds": round(_share_right(sim.truth, ds.labels), 4),
        "acc_mace": round(_share_right(sim.truth, by_mace.labels), 4),
        "ds_accuracy_max_error": round(gap, 4),
        "clicker_mace_max": round(max(by_mace.judges[j].competence for j in CLICKERS), 3),
        "careful_mace_min": round(min(by_mace.judges[j].competence for j in range(24)), 3),
    }
    print(
        f"{len(sim.triples):,} judgements: Dawid-Skene {ds_s:.2f} s ({ds.iterations} iterations), "
        f"MACE {mace_s:.2f} s ({by_mace.iterations} iterations)"
    )
    print(
        f"labels right: majority {figures['acc_majority']:.2%}, DS {figures['acc_ds']:.2%}, "
        f"MACE {figures['acc_mace']:.2%}; DS accuracy within {gap:.4f} of each judge's real share; "
        f"MACE competence: clickers <= {figures['clicker_mace_max']}, careful >= {figures['careful_mace_min']}"
    )
    if crowdkit:
        figures.update(crowdkit_figures(sim))
    return figures


def crowdkit_figures(sim) -> dict[str, object]:
    import pandas as pd
    from crowdkit.aggregation import MACE, DawidSkene

    frame = pd.DataFrame(sim.triples, columns=["task", "worker", "label"]).astype({"label": int})
    started = time.perf_counter()
    DawidSkene(n_iter=100).fit(frame)
    ds_s = time.perf_counter() - started
    started = time.perf_counter()
    MACE(n_iter=50, n_restarts=1, random_state=0).fit(frame)
    mace_s = time.perf_counter() - started
    print(f"crowd-kit 1.4.2: DawidSkene {ds_s:.2f} s, MACE (1 restart, 50 iterations) {mace_s:.1f} s")
    return {"crowdkit_ds_s": round(ds_s, 2), "crowdkit_mace_s": round(mace_s, 1)}


def snapshot_figures(items: int) -> dict[str, object]:
    import os

    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    django_setup(scratch_database("valuelens_bench_reliability"))
    from agreement import seed

    from evaluation.figures.selectors import FigureScope
    from evaluation.figures.services import figure_snapshot_compute
    from evaluation.models import FigureSnapshot

    scope = FigureScope(campaign_ids=(seed(items),))
    figures: dict[str, object] = {}
    for kind in ("results", "agreement"):
        snapshot = FigureSnapshot.objects.create(kind=kind, key=scope.key(kind), scope=scope.as_dict())
        started = time.perf_counter()
        snapshot = figure_snapshot_compute(snapshot_id=snapshot.pk)
        figures[f"compute_{kind}_s"] = round(time.perf_counter() - started, 1)
        print(f"{kind} snapshot with reliability computed in {figures[f'compute_{kind}_s']} s")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--crowdkit", action="store_true")
    parser.add_argument("--snapshots", action="store_true")
    args = arguments(parser, smoke={"items": 300, "snapshots": True})
    figures = {"name": "reliability", **metrics_figures(args.items, args.crowdkit)}
    if args.snapshots:
        figures.update(snapshot_figures(args.items))
    bench_line(figures)


if __name__ == "__main__":
    main()
