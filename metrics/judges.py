"""Per-judge and per-item views of a reliability matrix: who agrees with the rest, which items split.

Same conventions as ``metrics.agreement``: a float matrix of shape ``(items, judges)`` with NaN for
"not judged". ``kind`` is ``"nominal"`` for category codes (safe = 1 / unsafe = 0) and
``"interval"`` for ratings (1-10).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from metrics.agreement import _as_matrix, _category_counts, weighted_kappa

Kind = Literal["nominal", "interval"]


@dataclass(frozen=True)
class JudgeAgreement:
    """How one judge compares with the other judges of the same items.

    nominal: ``value`` is the share of comparable items where the judge chose what the majority of
    the *other* judges chose; an item is comparable when at least two others judged it and their
    majority is strict (a tie among the others says nothing about this judge).
    interval: ``value`` is the mean absolute difference between the judge's rating and the mean of
    the others' ratings, over items at least one other judge rated (lower is closer).
    """

    value: float
    items: int


def agreement_with_rest(matrix: ArrayLike, kind: Kind) -> list[JudgeAgreement]:
    """One ``JudgeAgreement`` per column (judge) of the matrix."""
    m = _as_matrix(matrix)
    present = ~np.isnan(m)
    per_item = present.sum(axis=1)
    results: list[JudgeAgreement] = []
    if kind == "nominal":
        counts, categories = _category_counts(m)
        for j in range(m.shape[1]):
            rows = np.nonzero(present[:, j] & (per_item >= 3))[0]
            codes = np.searchsorted(categories, m[rows, j])
            others = counts[rows].copy()
            others[np.arange(rows.size), codes] -= 1
            top = others.max(axis=1) if rows.size else np.zeros(0, dtype=np.int64)
            strict = (others == top[:, None]).sum(axis=1) == 1
            agrees = others[np.arange(rows.size), codes] == top
            comparable = int(strict.sum())
            value = float(agrees[strict].mean()) if comparable else math.nan
            results.append(JudgeAgreement(value, comparable))
        return results
    if kind != "interval":
        raise ValueError(f"unknown kind {kind!r}")
    filled = np.where(present, m, 0.0)
    sums = filled.sum(axis=1)
    for j in range(m.shape[1]):
        rows = present[:, j] & (per_item >= 2)
        own = m[rows, j]
        others_mean = (sums[rows] - own) / (per_item[rows] - 1)
        n = int(rows.sum())
        results.append(JudgeAgreement(float(np.abs(own - others_mean).mean()) if n else math.nan, n))
    return results


def item_disagreement(matrix: ArrayLike, kind: Kind) -> NDArray[np.float64]:
    """Per item (row), how far its judges disagree; NaN with fewer than two judgements.

    nominal: 1 − the share of the most chosen category (0 when unanimous; 1/3 for a 2–1 split,
    1/2 for a tie between two). interval: the range of the ratings (max − min).
    """
    m = _as_matrix(matrix)
    per_item = (~np.isnan(m)).sum(axis=1)
    out = np.full(m.shape[0], np.nan)
    judged = per_item >= 2
    if not judged.any():
        return out
    if kind == "nominal":
        counts, _ = _category_counts(m)
        out[judged] = 1.0 - counts[judged].max(axis=1) / per_item[judged]
    elif kind == "interval":
        out[judged] = np.nanmax(m[judged], axis=1) - np.nanmin(m[judged], axis=1)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return out


def mean_pairwise_weighted_kappa(
    matrix: ArrayLike,
    categories: Sequence[float],
    weights: Literal["linear", "quadratic"] = "quadratic",
    min_shared: int = 5,
) -> tuple[float, int]:
    """Weighted κ averaged over the pairs of judges who share at least ``min_shared`` items,
    each pair weighted by the items it shares; returns (κ, pairs). NaN with no such pair.

    Two experts rarely rate all the same items, so one κ per pair, pooled, is the usual summary of
    weighted κ for more than two raters.
    """
    m = _as_matrix(matrix)
    present = ~np.isnan(m)
    shared = present.T.astype(np.int64) @ present.astype(np.int64)
    total, weight, pairs = 0.0, 0, 0
    for p in range(m.shape[1]):
        for q in range(p + 1, m.shape[1]):
            if shared[p, q] < min_shared:
                continue
            kappa = weighted_kappa(m[:, p], m[:, q], weights=weights, categories=categories)
            if math.isnan(kappa.value):
                continue
            total += kappa.value * kappa.items
            weight += kappa.items
            pairs += 1
    return (total / weight if weight else math.nan), pairs
