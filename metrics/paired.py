"""Paired comparisons of two models on the same prompts: McNemar's exact test on binary outcomes,
the Wilcoxon signed-rank test and a bootstrap interval on score differences, and Holm's
correction across a family of tests.

Each follows the default of its usual implementation (scipy.stats.binomtest, scipy.stats.wilcoxon,
statsmodels' multipletests), which the tests use as oracles; scipy is no dependency of ours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from metrics.scores import Estimate, mean


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value on the discordant counts ``b`` and ``c``: under the null
    each discordant pair goes either way with probability 1/2, so this is the two-sided binomial
    test of min(b, c) in b + c trials (1.0 without any discordant pair)."""
    if b < 0 or c < 0:
        raise ValueError("counts cannot be negative")
    n, k = b + c, min(b, c)
    if 2 * k == n:
        return 1.0
    # Exact integers: the tail is a sum of binomial coefficients over 2^n, divided once at the end.
    tail = sum(accumulate(range(1, k + 1), lambda term, i: term * (n - i + 1) // i, initial=1))
    return min(1.0, 2 * tail / 2**n)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values, in the order given and monotone in the raw ones.
    Missing values (None or NaN: a test that was not run) stay missing and are no part of the
    family."""
    present = [(p, i) for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    adjusted: list[float | None] = [None] * len(p_values)
    m = len(present)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class SignedRank:
    """The Wilcoxon signed-rank test of paired differences: ``statistic`` is min(W+, W−) as scipy
    reports it; ``n`` the nonzero differences ranked; ``method`` exact, permutation or normal."""

    statistic: float
    p_value: float
    n: int
    method: str


# scipy's default (method="auto"): exact below this many differences, zeros included.
EXACT_MAX_N = 50
# With ties or zeros, every sign assignment is enumerated up to this many differences (2^13
# assignments), as scipy's permutation test does when it can enumerate them all.
PERMUTATION_MAX_N = 13


def _ranks(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """Average ranks (1-based) of values, and whether any two tie."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    ranks = np.empty(values.size, dtype=float)
    ties = False
    start = 0
    while start < values.size:
        end = start
        while end + 1 < values.size and ordered[end + 1] == ordered[start]:
            end += 1
        ties = ties or end > start
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks, ties


def _subset_sum_counts(n: int) -> np.ndarray:
    """How many subsets of the ranks 1..n sum to each total 0..n(n+1)/2: the null distribution of
    W+ without ties, times 2^n (exact in float64 up to n = 50, 2^50 < 2^53)."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for rank in range(1, n + 1):
        counts[rank:] = counts[rank:] + counts[:-rank].copy()
    return counts


def _exact_p(w_plus: float, n: int) -> float:
    counts = _subset_sum_counts(n)
    total = 2.0**n
    below = counts[: math.ceil(w_plus) + 1].sum() / total
    above = counts[math.floor(w_plus) :].sum() / total
    return min(1.0, 2 * min(below, above))


def _permutation_p(ranks: np.ndarray, w_plus: float) -> float:
    """Every assignment of signs to the ranked differences, equally likely under the null."""
    sums = np.zeros(1)
    for rank in ranks:
        sums = np.concatenate([sums, sums + rank])
    # Sums of average ranks are halves; the tolerance keeps rounding from splitting equal values.
    gamma = abs(w_plus) * np.finfo(float).eps * 100
    below = np.count_nonzero(sums <= w_plus + gamma) / sums.size
    above = np.count_nonzero(sums >= w_plus - gamma) / sums.size
    return min(1.0, 2 * min(below, above))


def _normal_p(w_plus: float, ranks: np.ndarray, n: int) -> float:
    _, counts = np.unique(ranks, return_counts=True)
    tie_correction = float(np.sum(counts.astype(float) ** 3 - counts))
    se = math.sqrt((n * (n + 1) * (2 * n + 1) - tie_correction / 2) / 24)
    z = (w_plus - n * (n + 1) / 4) / se
    return math.erfc(abs(z) / math.sqrt(2))


def wilcoxon_signed_rank(differences: Sequence[float]) -> SignedRank:
    """Two-sided Wilcoxon signed-rank test that the differences centre on zero, as
    ``scipy.stats.wilcoxon(differences)`` computes it by default: zeros are dropped
    (zero_method="wilcox") and the tied absolute differences share their average rank. With 50
    differences or fewer (zeros counted) and neither ties nor zeros, the exact null distribution;
    with ties or zeros and 13 or fewer, every assignment of signs; otherwise the normal
    approximation with the tie correction and no continuity correction.

    No nonzero difference at all gives p = 1 (nothing moved); scipy answers NaN there above 13
    differences."""
    data = np.asarray(differences, dtype=float)
    if data.ndim != 1 or data.size == 0:
        raise ValueError("differences must be a non-empty sequence")
    nonzero = data[data != 0]
    n = int(nonzero.size)
    ranks, ties = _ranks(np.abs(nonzero))
    w_plus = float(ranks[nonzero > 0].sum())
    w_minus = float(ranks[nonzero < 0].sum())
    statistic = min(w_plus, w_minus)
    if n == 0:
        return SignedRank(0.0, 1.0, 0, "none")
    if data.size <= EXACT_MAX_N and not ties and n == data.size:
        return SignedRank(statistic, _exact_p(w_plus, n), n, "exact")
    if data.size <= PERMUTATION_MAX_N:
        return SignedRank(statistic, _permutation_p(ranks, w_plus), n, "permutation")
    return SignedRank(statistic, _normal_p(w_plus, ranks, n), n, "normal")


def paired_bootstrap_mean(
    differences: Sequence[float], *, seed: int = 0, n_resamples: int = 2000
) -> Estimate:
    """The mean paired difference with a 95% percentile bootstrap interval: prompts are resampled
    with both answers, which is resampling their differences (``metrics.scores.mean``)."""
    return mean(differences, n_resamples=n_resamples, seed=seed)
