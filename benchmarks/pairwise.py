"""Pairwise judging: Bradley–Terry rankings (metrics/pairwise.py) at scale, and active sampling.

1. Fit: 1,000,000 simulated votes over 50 models with known strengths (log-strengths drawn from
   N(0, 1); pairs uniform, sides random; 10% ties, a third of them "both bad"; the judge answers
   from the true Bradley–Terry probabilities): aggregation, the fit and 200 bootstrap resamples
   timed together (target fit_s <= 5 s on 2 cores x probe_s / 0.16). matches_choix: choix (the
   test-only oracle) on the same data: its maximum-likelihood fit (ilsr_pairwise_dense) of the
   aggregated 1,000,000 votes, ties as half wins, against ours without the ridge and ours as reported
   (the ridge moves nothing at this size); and its penalised fit with our ridge (opt_pairwise, a
   Python loop over every vote, far too slow for a million) on a 10,000-vote subsample. All to 1e-4.
2. Active sampling: 20 models with known strengths (N(0, --spread)); votes drawn one at a time from
   a simulated judge, the ranking refitted (with its bootstrap) every 50 votes, until every model's
   95% interval is narrower than --width on the log scale (0.6, about 100 Elo points); next_pair
   (active) against uniformly random pairs, a few seeds each. active_ratio = mean votes active /
   mean votes uniform (target <= 0.65). Also printed: the best any allocation of votes could do
   under the same (Fisher) approximation, found by exponentiated gradient with the true strengths.
3. Load (submit-and-next of pair items through the web server): not measured, since pairwise
   campaigns do not exist yet; p95_ms, over_assigned and lost are null.

Run: .venv/bin/python benchmarks/pairwise.py [--votes 1000000] [--spread 1.0] [--seeds 5] [--smoke]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import arguments, bench_line, probe_s

from metrics.pairwise import (
    REG,
    PairCounts,
    bradley_terry,
    bt_scores,
    next_pair,
    position_bias,
    win_matrix,
)
from tests.metrics.pairwise_support import choix_pairs, simulate_votes

TIE_SHARE_SIMULATED = 0.1
TOLERANCE = 1e-4


def centred(scores: np.ndarray) -> np.ndarray:
    return scores - scores.mean()


def fit_figures(votes: int, models: int, subsample: int) -> dict[str, object]:
    import choix

    rng = np.random.default_rng(11)
    true = rng.normal(0, 1, models)
    data = simulate_votes(true, votes, seed=12, tie_share=TIE_SHARE_SIMULATED)
    started = time.perf_counter()
    counts = win_matrix(data, models)
    ranking = bradley_terry(counts)
    fit_s = time.perf_counter() - started
    width = ranking.ci_high - ranking.ci_low
    bias = position_bias(data)
    print(
        f"{votes:,} votes over {models} models: aggregated, fitted and 200 bootstrap resamples in "
        f"{fit_s:.2f} s; correlation with the true strengths {np.corrcoef(ranking.scores, true)[0, 1]:.4f}; "
        f"95% intervals {width.min():.3f}–{width.max():.3f} wide (log scale); left side won "
        f"{bias.value:.4f} [{bias.ci_low:.4f}, {bias.ci_high:.4f}] of the decisive votes"
    )

    started = time.perf_counter()
    theirs = centred(choix.ilsr_pairwise_dense(counts.effective_wins(), alpha=0.0, tol=1e-12, max_iter=1000))
    choix_s = time.perf_counter() - started
    ml_gap = float(np.abs(bt_scores(counts, reg=0.0) - theirs).max())
    reported_gap = float(np.abs(ranking.scores - theirs).max())
    sample = win_matrix(simulate_votes(true, subsample, seed=13, tie_share=TIE_SHARE_SIMULATED), models)
    started = time.perf_counter()
    penalised = centred(choix.opt_pairwise(models, choix_pairs(sample), alpha=2 * REG, tol=1e-10))
    opt_s = time.perf_counter() - started
    penalised_gap = float(np.abs(bt_scores(sample) - penalised).max())
    print(
        f"choix 0.4.1: ilsr_pairwise_dense on the aggregated votes ({choix_s:.2f} s) against ours without "
        f"the ridge: max difference {ml_gap:.1e}, against ours as reported: {reported_gap:.1e}; "
        f"opt_pairwise with our ridge on {subsample:,} votes ({opt_s:.1f} s): {penalised_gap:.1e}"
    )
    return {
        "votes": votes,
        "fit_s": round(fit_s, 3),
        "matches_choix": max(ml_gap, reported_gap, penalised_gap) < TOLERANCE,
    }


def votes_until_narrow(
    true: np.ndarray, *, active: bool, width: float, seed: int, every: int, limit: int
) -> int:
    """Votes drawn one at a time until every model's 95% interval is narrower than ``width``."""
    n = true.size
    rng = np.random.default_rng(seed)
    wins = np.zeros((n, n), dtype=np.int64)
    ties = np.zeros((n, n), dtype=np.int64)
    scores = np.zeros(n)
    for served in range(1, limit + 1):
        counts = PairCounts(wins=wins, ties=ties, both_bad=np.zeros_like(ties))
        if active:
            i, j = next_pair(counts, scores)
        else:
            i, j = (int(k) for k in rng.choice(n, 2, replace=False))
        if rng.random() < TIE_SHARE_SIMULATED:
            ties[i, j] += 1
            ties[j, i] += 1
        elif rng.random() < 1 / (1 + np.exp(-(true[i] - true[j]))):
            wins[i, j] += 1
        else:
            wins[j, i] += 1
        if served % every == 0:
            ranking = bradley_terry(counts, seed=served)
            scores = ranking.scores
            if np.all(ranking.ci_high - ranking.ci_low < width):
                return served
    return limit


def best_allocation_ratio(true: np.ndarray, steps: int = 2000) -> float:
    """The lowest largest variance any allocation of votes to pairs reaches, as a share of uniform
    allocation's (the Fisher approximation with the true strengths; the votes needed scale with
    it). Exponentiated gradient on a soft maximum of the variances."""
    n = true.size
    p = 1 / (1 + np.exp(-(true[:, None] - true[None, :])))
    w = p * (1 - p)
    upper = np.triu_indices(n, 1)
    centre = np.eye(n) - 1 / n

    def covariance(share: np.ndarray) -> np.ndarray:
        alloc = np.zeros((n, n))
        alloc[upper] = share
        info = (alloc + alloc.T) * w
        return centre @ np.linalg.inv(np.diag(info.sum(axis=1)) - info + 1 / n) @ centre

    share = np.full(upper[0].size, 1 / upper[0].size)
    uniform = np.diag(covariance(share)).max()
    for _ in range(steps):
        cov = covariance(share)
        var = np.diag(cov)
        soft = np.exp(50 * (var / var.max() - 1))
        weighted = (cov * (soft / soft.sum())) @ cov
        along = np.diag(weighted)
        gradient = -(w * (along[:, None] + along[None, :] - 2 * weighted))[upper]
        share *= np.exp(-0.5 * gradient / np.abs(gradient).max())
        share /= share.sum()
    return float(np.diag(covariance(share)).max() / uniform)


def active_figures(models: int, spread: float, width: float, seeds: int, every: int) -> float:
    true = np.random.default_rng(7).normal(0, spread, models)
    started = time.perf_counter()
    runs = {
        active: [
            votes_until_narrow(true, active=active, width=width, seed=seed, every=every, limit=200_000)
            for seed in range(seeds)
        ]
        for active in (True, False)
    }
    ratio = float(np.mean(runs[True]) / np.mean(runs[False]))
    print(
        f"active sampling, {models} models (log-strengths N(0, {spread}), {true.min():.2f} to {true.max():.2f}), "
        f"every interval narrower than {width} (log scale), refitted every {every} votes, {seeds} seeds: "
        f"active {runs[True]}, uniform {runs[False]}; ratio {ratio:.3f} ({time.perf_counter() - started:.1f} s); "
        f"the best allocation of votes, knowing the true strengths: {best_allocation_ratio(true):.3f}"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--subsample", type=int, default=10_000, help="votes for choix's opt_pairwise")
    parser.add_argument("--active-models", type=int, default=20)
    parser.add_argument("--spread", type=float, default=1.0, help="sd of the true log-strengths")
    parser.add_argument("--width", type=float, default=0.6)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--every", type=int, default=50, help="votes between refits")
    args = arguments(
        parser,
        smoke={"votes": 20_000, "models": 10, "subsample": 300, "active_models": 5, "width": 1.5, "seeds": 1},
    )

    probe = probe_s()
    figures = fit_figures(args.votes, args.models, args.subsample)
    ratio = active_figures(args.active_models, args.spread, args.width, args.seeds, args.every)
    print(
        "load: not measured, pairwise campaigns (and their submit-and-next) do not exist yet: "
        "p95_ms, over_assigned and lost are null"
    )
    print(f"probe_s {probe:.4f} (the reference is 0.16): fit_s target {5 * probe / 0.16:.2f} s")
    bench_line(
        {
            "name": "pairwise",
            **figures,
            "active_ratio": round(ratio, 3),
            "p95_ms": None,
            "over_assigned": None,
            "lost": None,
            "probe_s": round(probe, 4),
        }
    )


if __name__ == "__main__":
    main()
