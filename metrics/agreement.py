"""Inter-rater agreement coefficients on a reliability matrix.

Every function takes a *reliability matrix*: a float array of shape ``(items, judges)`` where
``matrix[u, j]`` is judge ``j``'s value for item ``u`` and NaN means "judge ``j`` did not judge item
``u``". Values are category codes (nominal, e.g. 0 = unsafe, 1 = safe) or ratings (1-10).
``reliability_matrix`` builds one from ``(item_id, judge_id, value)`` triples.

Each coefficient returns an ``Agreement``: the figure plus the items, judges and values behind it.
``with_bootstrap_ci`` fills in a percentile bootstrap interval that resamples items.

Undefined coefficients are NaN, never guessed: a chance-corrected coefficient (κ, α) divides by the
expected disagreement, which is zero when every value is the same category. Gwet's AC1 stays defined
in that case (it is 1 when the judges agree), which is why it is reported next to κ for safety labels
where nearly everything is "safe".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Level = Literal["nominal", "ordinal", "interval"]
Weights = Literal["linear", "quadratic"] | None
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Agreement:
    """A coefficient and what it was computed from.

    ``items``: items that entered the figure; ``judges``: judges with at least one value in those
    items; ``pairable_values``: judgements in those items (Krippendorff's n).
    """

    value: float
    items: int
    judges: int
    pairable_values: int
    ci_low: float | None = None
    ci_high: float | None = None

    def with_ci(self, low: float, high: float) -> Agreement:
        return dataclasses.replace(self, ci_low=low, ci_high=high)


@dataclass(frozen=True, eq=False)
class ReliabilityMatrix:
    """A reliability matrix with the ids of its rows (items) and columns (judges)."""

    values: FloatArray
    item_ids: tuple[Hashable, ...]
    judge_ids: tuple[Hashable, ...]


@dataclass(frozen=True, eq=False)
class PairwiseKappa:
    """Cohen's κ for every pair of judges.

    ``kappa[i, j]`` is κ over the items both judges ``i`` and ``j`` judged (NaN when undefined or
    when they share no item); ``items[i, j]`` is how many items that was.
    """

    kappa: FloatArray
    items: NDArray[np.int64]


def reliability_matrix(triples: Iterable[tuple[Hashable, Hashable, float | None]]) -> ReliabilityMatrix:
    """Build a reliability matrix from ``(item_id, judge_id, value)`` triples.

    Items and judges keep the order in which they are first seen. A ``None`` or NaN value is a
    missing judgement. Two values for the same (item, judge) raise ``ValueError``: judgements are
    immutable, so a duplicate means the caller joined something wrongly.
    """
    items: dict[Hashable, int] = {}
    judges: dict[Hashable, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for item_id, judge_id, value in triples:
        rows.append(items.setdefault(item_id, len(items)))
        cols.append(judges.setdefault(judge_id, len(judges)))
        vals.append(np.nan if value is None else float(value))
    matrix = np.full((len(items), len(judges)), np.nan)
    if rows:
        flat = np.asarray(rows) * len(judges) + np.asarray(cols)
        if np.unique(flat).size != flat.size:
            raise ValueError("a judge has more than one value for the same item")
        matrix[np.asarray(rows), np.asarray(cols)] = vals
    return ReliabilityMatrix(values=matrix, item_ids=tuple(items), judge_ids=tuple(judges))


def _as_matrix(matrix: ArrayLike) -> FloatArray:
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"a reliability matrix is 2-D (items, judges), got shape {m.shape}")
    if np.isinf(m).any():
        raise ValueError("a reliability matrix holds finite values or NaN")
    return m


def _category_counts(m: FloatArray) -> tuple[NDArray[np.int64], FloatArray]:
    """Return ``n_uc`` (items × categories: how many judges put item u in category c) and the
    sorted categories."""
    present = ~np.isnan(m)
    categories, codes = np.unique(m[present], return_inverse=True)
    rows = np.nonzero(present)[0]
    n_items, n_cats = m.shape[0], categories.size
    counts = np.bincount(rows * n_cats + codes, minlength=n_items * n_cats).reshape(n_items, n_cats)
    return counts, categories


def _judges_in(m: FloatArray, rows: NDArray[np.bool_]) -> int:
    return int((~np.isnan(m[rows])).any(axis=0).sum())


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else float("nan")


def percent_agreement(matrix: ArrayLike) -> Agreement:
    """Mean share of agreeing judge pairs per item.

    For item u with m_u ≥ 2 judgements, P_u = Σ_c n_uc (n_uc − 1) / (m_u (m_u − 1)); the figure is
    the mean of P_u over those items. Missing data: items with fewer than two judgements are
    dropped (they hold no pair); the rest count equally whatever their m_u. NaN when no item is left.
    """
    m = _as_matrix(matrix)
    counts, _ = _category_counts(m)
    per_item = counts.sum(axis=1)
    pairable = per_item >= 2
    c, n_u = counts[pairable], per_item[pairable]
    agreeing = (c * (c - 1)).sum(axis=1) / (n_u * (n_u - 1))
    value = float(agreeing.mean()) if agreeing.size else float("nan")
    return Agreement(value, int(pairable.sum()), _judges_in(m, pairable), int(n_u.sum()))


def _paired(a: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("two judges' values are 1-D arrays of the same length")
    both = ~(np.isnan(x) | np.isnan(y))
    return x[both], y[both]


def weighted_kappa(
    a: ArrayLike,
    b: ArrayLike,
    weights: Weights = "quadratic",
    categories: Sequence[float] | None = None,
) -> Agreement:
    """Cohen's κ for two judges, optionally weighted (Cohen 1968).

    κ_w = 1 − Σ_ij w_ij O_ij / Σ_ij w_ij E_ij, with O the observed proportions of (a, b) pairs,
    E the outer product of the two judges' marginal proportions, and w_ij = |i − j| (linear),
    (i − j)² (quadratic) or [i ≠ j] (unweighted), where i, j are *positions* in the sorted
    categories. Pass ``categories=range(1, 11)`` for 1-10 ratings so that an unused rating still
    counts as a step of the scale (scikit-learn's ``labels``); otherwise the observed values are
    the categories. Missing data: only items both judges judged count. NaN when undefined (no
    shared item, or a single category, where chance agreement is already 1).
    """
    x, y = _paired(a, b)
    cats = np.unique(np.concatenate([x, y])) if categories is None else np.asarray(categories, float)
    if x.size and not (np.isin(x, cats).all() and np.isin(y, cats).all()):
        raise ValueError("a value is not among the given categories")
    k = cats.size
    i, j = np.searchsorted(cats, x), np.searchsorted(cats, y)
    observed = np.bincount(i * k + j, minlength=k * k).reshape(k, k) / max(x.size, 1)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    steps = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(np.float64)
    if weights is None:
        w = (steps > 0).astype(np.float64)
    elif weights == "linear":
        w = steps
    elif weights == "quadratic":
        w = steps**2
    else:
        raise ValueError(f"unknown weights {weights!r}")
    value = 1.0 - _ratio(float((w * observed).sum()), float((w * expected).sum())) if x.size else np.nan
    judged = int(x.size > 0) * 2
    return Agreement(float(value), int(x.size), judged, 2 * int(x.size))


def cohen_kappa(a: ArrayLike, b: ArrayLike) -> Agreement:
    """Cohen's κ for two judges: κ = (p_o − p_e) / (1 − p_e).

    p_o is the share of items where they agree, p_e = Σ_c p_a(c) p_b(c) the agreement expected from
    their own marginal distributions. Missing data: only items both judged count. NaN when p_e = 1
    (both used one and the same category) or when they share no item.
    """
    return weighted_kappa(a, b, weights=None)


def cohen_kappa_matrix(matrix: ArrayLike) -> PairwiseKappa:
    """Cohen's κ for every pair of judges (columns), each over the items both judged.

    The diagonal is 1 for a judge whose κ with itself is defined (at least two categories used).
    """
    m = _as_matrix(matrix)
    n = m.shape[1]
    kappa = np.full((n, n), np.nan)
    items = np.zeros((n, n), dtype=np.int64)
    for p in range(n):
        for q in range(p, n):
            result = cohen_kappa(m[:, p], m[:, q])
            kappa[p, q] = kappa[q, p] = result.value
            items[p, q] = items[q, p] = result.items
    return PairwiseKappa(kappa=kappa, items=items)


def fleiss_kappa(matrix: ArrayLike) -> Agreement:
    """Fleiss' κ (1971) for any number of judges, each item judged by the same number r of them.

    P̄ = mean over items of Σ_c n_uc (n_uc − 1) / (r (r − 1)); p_c = Σ_u n_uc / (N r);
    P_e = Σ_c p_c²; κ = (P̄ − P_e) / (1 − P_e). The judges may differ from item to item.

    Missing data: r is the most common number of judgements among items with at least two (the
    larger on a tie); items with any other number are left out, and ``items`` reports how many were
    kept. Use Krippendorff's α to use every judgement. NaN when P_e = 1 or no item is left.
    """
    m = _as_matrix(matrix)
    counts, _ = _category_counts(m)
    per_item = counts.sum(axis=1)
    sizes, frequency = np.unique(per_item[per_item >= 2], return_counts=True)
    if sizes.size == 0:
        return Agreement(float("nan"), 0, 0, 0)
    r = int(sizes[frequency == frequency.max()].max())
    kept = per_item == r
    c = counts[kept]
    n_items = c.shape[0]
    p_bar = float((c * (c - 1)).sum() / (n_items * r * (r - 1)))
    p_c = c.sum(axis=0) / (n_items * r)
    p_e = float((p_c**2).sum())
    value = _ratio(p_bar - p_e, 1.0 - p_e) if p_e < 1.0 else float("nan")
    return Agreement(value, n_items, _judges_in(m, kept), n_items * r)


def krippendorff_alpha(matrix: ArrayLike, level: Level = "nominal") -> Agreement:
    """Krippendorff's α = 1 − D_o / D_e = 1 − (n − 1) Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck.

    Coincidence matrix: o_ck = Σ_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1) over items u with
    m_u ≥ 2 values; n_c = Σ_k o_ck; n = Σ_c n_c. Metrics δ²_ck (Krippendorff 2011):
    nominal [c ≠ k]; ordinal (Σ_{g=c..k} n_g − (n_c + n_k)/2)², which is (mid_k − mid_c)² with
    mid_c = Σ_{g≤c} n_g − n_c/2; interval (c − k)².

    Missing data: any cell may be NaN. An item with fewer than two values has no pair and is left
    out (it is not "pairable"); every other item contributes all its values. NaN when there is no
    pairable value or only one value occurs (D_e = 0, no variation to be reliable about).

    Interval α expands the same sums per item instead of building the c × k matrix, so it also
    handles continuous values: Σ_ck o_ck (c − k)² = Σ_u 2 (m_u Σv² − (Σv)²) / (m_u − 1) and
    Σ_ck n_c n_k (c − k)² = 2 (n Σv² − (Σv)²). Everything is vectorised (100,000 × 3 well
    under a second).
    """
    m = _as_matrix(matrix)
    present = ~np.isnan(m)
    per_item = present.sum(axis=1)
    pairable = per_item >= 2
    m_p, n_u = m[pairable], per_item[pairable]
    n = int(n_u.sum())
    judges = _judges_in(m, pairable)
    nan = Agreement(float("nan"), int(pairable.sum()), judges, n)
    if n == 0:
        return nan

    if level == "interval":
        # Centring keeps the sums of squares from cancelling catastrophically on large values.
        v = np.where(np.isnan(m_p), 0.0, m_p - np.nanmean(m_p))
        s1, s2 = v.sum(axis=1), (v**2).sum(axis=1)
        observed = float((2.0 * (n_u * s2 - s1**2) / (n_u - 1)).sum())
        expected = 2.0 * (n * s2.sum() - s1.sum() ** 2)
    elif level in ("nominal", "ordinal"):
        counts, _ = _category_counts(m_p)
        weight = 1.0 / (n_u - 1)
        coincidence = counts.T @ (counts * weight[:, None]) - np.diag(counts.T @ weight)
        n_c = coincidence.sum(axis=1)
        if level == "nominal":
            delta2 = 1.0 - np.eye(n_c.size)
        else:
            mid = np.cumsum(n_c) - n_c / 2.0
            delta2 = np.subtract.outer(mid, mid) ** 2
        observed = float((coincidence * delta2).sum())
        expected = float((np.outer(n_c, n_c) * delta2).sum())
    else:
        raise ValueError(f"unknown level {level!r}")

    if expected <= 0:
        return nan
    return dataclasses.replace(nan, value=float(1.0 - (n - 1) * observed / expected))


def gwet_ac1(matrix: ArrayLike, categories: Sequence[float] | None = None) -> Agreement:
    """Gwet's AC1 (Gwet 2008, 2014) for any number of judges and missing data.

    AC1 = (p_a − p_e) / (1 − p_e). p_a is ``percent_agreement`` (items with at least two values);
    π_c = mean over items with at least one value of n_uc / m_u; p_e = Σ_c π_c (1 − π_c) / (Q − 1)
    with Q the number of categories: the given ``categories`` (pass (0, 1) for binary safety labels),
    otherwise those observed. Unlike κ, p_e shrinks as one category dominates, so AC1 stays close to
    p_a when nearly everything is "safe"; with a single category p_e = 0 and AC1 = p_a = 1.
    NaN when no item has two values.
    """
    m = _as_matrix(matrix)
    counts, observed_cats = _category_counts(m)
    agreement = percent_agreement(m)
    n_cats = observed_cats.size if categories is None else len(categories)
    if categories is not None and not np.isin(observed_cats, np.asarray(categories, float)).all():
        raise ValueError("a value is not among the given categories")
    per_item = counts.sum(axis=1)
    judged = per_item >= 1
    pi = (counts[judged] / per_item[judged, None]).mean(axis=0) if judged.any() else np.zeros(0)
    p_e = float((pi * (1.0 - pi)).sum() / (n_cats - 1)) if n_cats > 1 else 0.0
    value = (agreement.value - p_e) / (1.0 - p_e)
    return dataclasses.replace(agreement, value=float(value))


Statistic = Callable[[FloatArray], "Agreement | float"]


def bootstrap_ci(
    matrix: ArrayLike,
    statistic: Statistic,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval for ``statistic`` (2.5th and 97.5th percentiles at 95%).

    Resamples items (rows) with replacement, keeping each item's judges together, because items
    are the sampling unit: judges are fixed and items are drawn from a population of responses.
    The seed makes the interval reproducible. Resamples where the statistic is undefined (NaN,
    e.g. every drawn item has one category) are dropped; if none is left the interval is NaN.
    """
    m = _as_matrix(matrix)
    rng = np.random.default_rng(seed)
    estimates = np.empty(n_resamples)
    for r in range(n_resamples):
        result = statistic(m[rng.integers(0, m.shape[0], size=m.shape[0])])
        estimates[r] = result.value if isinstance(result, Agreement) else result
    estimates = estimates[~np.isnan(estimates)]
    if estimates.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(estimates, [tail, 100.0 - tail])
    return float(low), float(high)


def rows_compacted(matrix: ArrayLike) -> FloatArray:
    """Each item's values moved to its first columns (NaN after them), trimmed to the largest
    number of values an item has: (items, judges) becomes (items, max judgements per item).

    Percent agreement, Fleiss' κ, Krippendorff's α and Gwet's AC1 depend only on the values each
    item received, not on which judge gave them, so they are unchanged, and so are their item
    bootstraps; with many judges who each saw few items, resampling the compact matrix is many
    times cheaper. Cohen's κ needs the judges: never compact for it.
    """
    m = _as_matrix(matrix)
    compact = np.sort(m, axis=1)  # NaN sorts last
    width = int((~np.isnan(m)).sum(axis=1).max()) if m.size else 0
    return compact[:, : max(width, 1)]


def with_bootstrap_ci(
    matrix: ArrayLike,
    statistic: Callable[[FloatArray], Agreement],
    n_resamples: int = 1000,
    seed: int = 0,
    judge_free: bool = False,
) -> Agreement:
    """``statistic(matrix)`` with its bootstrap 95% interval filled in. ``judge_free``: the
    statistic ignores which judge gave a value (see ``rows_compacted``), so the resamples are
    drawn from the compact matrix; the figure and its items and judges come from the full one."""
    m = _as_matrix(matrix)
    sample = rows_compacted(m) if judge_free else m
    low, high = bootstrap_ci(sample, statistic, n_resamples=n_resamples, seed=seed)
    return statistic(m).with_ci(low, high)


Band = Literal["reliable", "tentative", "unreliable"]
# Krippendorff (2004, 2011): rely on data with α ≥ 0.800; draw only tentative conclusions from
# 0.667 ≤ α < 0.800; discard data below 0.667.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667


def reliability_band(alpha: float | None) -> Band | None:
    """Krippendorff's reading of an α: "reliable" from 0.800, "tentative" from 0.667, else
    "unreliable"; None when there is no α (missing or NaN: too few pairable values)."""
    if alpha is None or math.isnan(alpha):
        return None
    if alpha >= ALPHA_RELIABLE:
        return "reliable"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative"
    return "unreliable"
