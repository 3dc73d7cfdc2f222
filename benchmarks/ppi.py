"""Prediction-powered safety rates (metrics/ppi.py) on simulated campaigns.

Data: 1,000 campaigns of 5,000 responses each. Each response is safe with probability 0.85. A model
judge labels every response and is right 85% of the time, biased toward "safe": 80% of its errors
call an unsafe response safe (so it calls 80% of the unsafe responses safe, 3.5% of the safe ones
unsafe, and its mean is 0.94). People label a uniform random 10% sample (500) and are right 95% of
the time, independently of the judge.

What the 95% interval is asked to hold. PPI (and the people-only estimate) estimates the mean of
people's labels, whatever the judge does: with people who err, that is not the true rate unless
their errors cancel. Two models of the people's 5% errors, on the same responses and judge:
- "symmetric" (the main run): each label flips with probability 0.05, which pulls the people's mean
  to 0.95 x 0.85 + 0.05 x 0.15 = 0.815. `coverage` is the share of campaigns whose PPI++ interval
  holds that mean (the estimand, which the method promises to cover); `coverage_true_rate` the share
  holding 0.85, which no estimate built on these labels can reach (the people-only one neither:
  `people_coverage_true_rate`);
- "balanced": as many safe responses called unsafe as unsafe ones called safe (2.5% of all labels
  each way), so the people's mean is the true rate: `coverage_true_rate_balanced` is the share of
  PPI++ intervals holding 0.85 then.
Nothing else is adjusted: the intervals are those metrics/ppi.py returns.

Figures: `width_ratio` = mean PPI++ width / mean people-only width on the same 500 labels (target
<= 0.8); `width_ratio_expected` what the variance formula gives for this judge,
sqrt(1 - rho^2 N / (N + n)) with rho the people-judge correlation: a judge helps only as far as it
correlates with people; `width_ratio_best_judge` the smallest ratio any judge right 85% of the
time could give here, whatever the direction of its errors (the formula on the exact joint law of
people's and judge's labels): above 0.8, so the width target cannot be met with such a judge, only
with one right about 94% of the time or more. `compute_s`: the three estimates for 100,000 responses (10,000 labelled),
median of 5 (target <= 1 s x probe_s / 0.16). `matches_ppi_python`: every campaign's PPI++ estimate
and interval equal ppi-python's `ppi_mean_pointestimate` / `ppi_mean_ci` (alpha 0.05) to 1e-6, and
the people-only interval its `classical_mean_ci`. Targets: coverage 93.5-96.5%.

Run: .venv/bin/python benchmarks/ppi.py [--campaigns 1000] [--items 5000] [--smoke]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
from _common import arguments, bench_line, probe_s

from metrics.ppi import judge_moments, judge_moments_binary, ppi_variance, prediction_powered
from tests.metrics.ppi_support import labelled_mask, simulate_labels

TRUE_RATE = 0.85
MODEL = {"true_rate": TRUE_RATE, "judge_accuracy": 0.85, "judge_safe_bias": 0.8, "people_accuracy": 0.95}
TOLERANCE = 1e-6


def campaign_figures(people: np.ndarray, judge: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    rows = []
    for c in range(people.shape[0]):
        m = mask[c]
        r = prediction_powered(y=people[c][m], yhat=judge[c][m], yhat_unlabelled=judge[c][~m])
        rows.append(
            (
                r.ppi.value,
                r.ppi.ci_low,
                r.ppi.ci_high,
                r.people.ci_low,
                r.people.ci_high,
                r.judge.value,
                r.judge.ci_low,
                r.judge.ci_high,
                r.lam,
            )
        )
    keys = (
        "ppi",
        "ppi_low",
        "ppi_high",
        "people_low",
        "people_high",
        "judge",
        "judge_low",
        "judge_high",
        "lam",
    )
    table = np.asarray(rows)
    return {k: table[:, i] for i, k in enumerate(keys)}


def covered(low: np.ndarray, high: np.ndarray, value: float) -> float:
    return float(((low <= value) & (value <= high)).mean())


def ppi_python_gap(people: np.ndarray, judge: np.ndarray, mask: np.ndarray, figures) -> float:
    """The largest difference to ppi-python over every campaign's estimate and interval bounds."""
    from ppi_py import classical_mean_ci, ppi_mean_ci, ppi_mean_pointestimate

    gap = 0.0
    for c in range(people.shape[0]):
        m = mask[c]
        y, f, f_u = people[c][m], judge[c][m], judge[c][~m]
        low, high = ppi_mean_ci(y, f, f_u, alpha=0.05)
        classical = classical_mean_ci(y, alpha=0.05)
        theirs = (ppi_mean_pointestimate(y, f, f_u)[0], low[0], high[0], classical[0], classical[1])
        ours = [figures[k][c] for k in ("ppi", "ppi_low", "ppi_high", "people_low", "people_high")]
        gap = max(gap, *(abs(float(a) - float(b)) for a, b in zip(ours, theirs, strict=True)))
    return gap


def ratio_for_bias(*, judge_safe_bias: float, labelled: int, unlabelled: int) -> float:
    """PPI++'s width over the people-only one that the variance formula gives for a judge of the
    benchmark's accuracy with this bias, from the exact joint law of people's and judge's labels."""
    r, wrong, e = TRUE_RATE, 1 - MODEL["judge_accuracy"], 1 - MODEL["people_accuracy"]
    judge_safe = {1: 1 - (1 - judge_safe_bias) * wrong / r, 0: judge_safe_bias * wrong / (1 - r)}
    people_safe = {1: 1 - e, 0: e}
    confusion = np.zeros((2, 2))
    for z, p_z in ((1, r), (0, 1 - r)):
        for h in (0, 1):
            for j in (0, 1):
                p_h = people_safe[z] if h else 1 - people_safe[z]
                p_j = judge_safe[z] if j else 1 - judge_safe[z]
                confusion[h, j] += p_z * p_h * p_j
    moments = judge_moments_binary(confusion=confusion)
    variance, _ = ppi_variance(moments=moments, labelled=labelled, unlabelled=unlabelled)
    return math.sqrt(variance / (moments.var_y / labelled))


def compute_seconds(items: int) -> float:
    sim = simulate_labels(campaigns=1, items=items, seed=7, **MODEL)
    mask = labelled_mask(campaigns=1, items=items, labelled=items // 10, seed=8)[0]
    y, f, f_u = sim.people[0][mask], sim.judge[0][mask], sim.judge[0][~mask]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        prediction_powered(y=y, yhat=f, yhat_unlabelled=f_u)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--sample-share", type=float, default=0.1)
    parser.add_argument("--compute-items", type=int, default=100_000)
    args = arguments(parser, smoke={"campaigns": 20, "items": 1000, "compute_items": 10_000})
    probe = probe_s()
    labelled = round(args.items * args.sample_share)
    sizes = {"campaigns": args.campaigns, "items": args.items}
    symmetric = simulate_labels(**sizes, seed=1, **MODEL)
    balanced = simulate_labels(**sizes, seed=1, people_errors="balanced", **MODEL)
    assert np.array_equal(symmetric.judge, balanced.judge)  # the same responses and judge
    mask = labelled_mask(**sizes, labelled=labelled, seed=2)

    started = time.perf_counter()
    main_run = campaign_figures(symmetric.people, symmetric.judge, mask)
    loop_s = time.perf_counter() - started
    other = campaign_figures(balanced.people, balanced.judge, mask)

    ppi_width = float((main_run["ppi_high"] - main_run["ppi_low"]).mean())
    people_width = float((main_run["people_high"] - main_run["people_low"]).mean())
    moments = judge_moments(y=symmetric.people.ravel(), yhat=symmetric.judge.ravel())
    variance, lam = ppi_variance(moments=moments, labelled=labelled, unlabelled=args.items - labelled)
    expected_ratio = math.sqrt(variance / (moments.var_y / labelled))
    gap = ppi_python_gap(symmetric.people, symmetric.judge, mask, main_run)
    compute_s = compute_seconds(args.compute_items)
    target = symmetric.people_mean
    best_ratio = min(
        ratio_for_bias(judge_safe_bias=b, labelled=labelled, unlabelled=args.items - labelled)
        for b in np.linspace(0.0, 1.0, 101)
    )

    figures: dict[str, object] = {
        "name": "ppi",
        "campaigns": args.campaigns,
        "items": args.items,
        "labelled": labelled,
        "people_mean": round(target, 4),
        "coverage": round(covered(main_run["ppi_low"], main_run["ppi_high"], target), 4),
        "coverage_true_rate": round(covered(main_run["ppi_low"], main_run["ppi_high"], TRUE_RATE), 4),
        "coverage_true_rate_balanced": round(covered(other["ppi_low"], other["ppi_high"], TRUE_RATE), 4),
        "people_coverage": round(covered(main_run["people_low"], main_run["people_high"], target), 4),
        "people_coverage_true_rate": round(
            covered(main_run["people_low"], main_run["people_high"], TRUE_RATE), 4
        ),
        "judge_coverage_true_rate": round(
            covered(main_run["judge_low"], main_run["judge_high"], TRUE_RATE), 4
        ),
        "width_ratio": round(ppi_width / people_width, 4),
        "width_ratio_expected": round(expected_ratio, 4),
        "ppi_width": round(ppi_width, 4),
        "people_width": round(people_width, 4),
        "correlation": round(moments.correlation, 4),
        "lambda_mean": round(float(main_run["lam"].mean()), 4),
        "width_ratio_best_judge": round(best_ratio, 4),
        "ppi_mean": round(float(main_run["ppi"].mean()), 4),
        "judge_mean": round(float(main_run["judge"].mean()), 4),
        "compute_s": round(compute_s, 4),
        "campaigns_s": round(loop_s, 2),
        "matches_ppi_python": gap <= TOLERANCE,
        "max_diff_ppi_python": gap,
        "probe_s": probe,
    }
    print(
        f"{args.campaigns} campaigns x {args.items} responses, people label {labelled}; "
        f"people right 95%, errors symmetric: their mean is {target:.4f}, not the true {TRUE_RATE}"
    )
    print(
        f"PPI++ interval holds the people's mean in {figures['coverage']:.1%} of campaigns (target "
        f"93.5-96.5%), the true rate in {figures['coverage_true_rate']:.1%}; people-only: "
        f"{figures['people_coverage']:.1%} and {figures['people_coverage_true_rate']:.1%}; "
        f"judge-only holds the true rate in {figures['judge_coverage_true_rate']:.1%} (mean {figures['judge_mean']})"
    )
    print(
        f"with people's errors balanced (mean = true rate), PPI++ holds the true rate in "
        f"{figures['coverage_true_rate_balanced']:.1%}"
    )
    print(
        f"mean width PPI++ {ppi_width:.4f} vs people-only {people_width:.4f}: ratio "
        f"{figures['width_ratio']} (target <= 0.8); the variance formula expects {expected_ratio:.4f} "
        f"for this judge (correlation with people {moments.correlation:.3f}, lambda {lam:.3f}); "
        f"a ratio of 0.8 needs a correlation of {math.sqrt(0.36 * (args.items) / (args.items - labelled)):.2f}; "
        f"the best a judge right {MODEL['judge_accuracy']:.0%} of the time can give here, whatever its bias: "
        f"{best_ratio:.4f}"
    )
    print(
        f"{args.compute_items:,} responses: the three estimates in {compute_s * 1000:.1f} ms; "
        f"ppi-python: largest difference {gap:.2e} over every campaign (tolerance {TOLERANCE})"
    )
    bench_line(figures)


if __name__ == "__main__":
    main()
