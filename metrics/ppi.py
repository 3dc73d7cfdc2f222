"""Prediction-powered inference (PPI++) for a mean: a safety rate (the mean of 0/1 labels) or a mean
responsibility score, from a few people's labels and a model judge's labels of everything.

People label a uniform random sample of ``n`` items (``y``); a judge labels the same items
(``yhat``) and the ``N`` others (``yhat_unlabelled``). The PPI++ estimate (Angelopoulos, Duchi and
Zrnic, "PPI++: Efficient Prediction-Powered Inference", 2024) is

    θ̂_λ = λ · mean(yhat_unlabelled) + mean(y − λ · yhat),

unbiased for the mean of the people's labels for every λ, whatever the judge's errors: the second
term measures the judge's bias on the sample and takes it off. Its variance is

    V(λ) = λ² σ²_f / N + Var(y − λ·yhat) / n
         = (σ²_y − 2 λ c + λ² σ²_f) / n + λ² σ²_f / N,

with σ²_y = Var(y), σ²_f = Var(yhat), c = Cov(y, yhat). It is smallest at
λ* = c / ((1 + n/N) σ²_f), which is estimated from the data (c from the sample, σ²_f from the judge's
labels of all items) and clipped to [0, 1] as in PPI++: λ = 0 is the people-only estimate, λ = 1 the
original PPI. The 95% interval is θ̂ ± z · √(λ² s²(yhat_unlabelled)/N + s²(y − λ·yhat)/n) (CLT), with
the plug-in variances of ppi-python (divided by the count, not count − 1), so that the figures equal
its ``ppi_mean_pointestimate`` and ``ppi_mean_ci`` (``lam_optim_mode="overall"``).

The estimand is the mean of the people's labels over all items, not an error-free truth: if people
err in a way that shifts the mean, so does every estimate built on their labels.

With the optimal λ the variance is (σ²_y / n)(1 − ρ² N / (N + n)), ρ the correlation of the judge
with people: the interval is narrower than the people-only one by √(1 − ρ² N/(N+n)), so a judge helps
only as far as it correlates with people (``labels_needed`` turns this into a budget).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from metrics.scores import Estimate

FloatArray = NDArray[np.float64]


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 at 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"a confidence level lies in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _vector(values: ArrayLike, name: str) -> FloatArray:
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.isfinite(v).all():
        raise ValueError(f"{name} holds finite numbers only (drop missing labels before)")
    return v


def _nan_estimate(n: int) -> Estimate:
    return Estimate(math.nan, n, math.nan, math.nan)


def _interval(centre: float, variance: float, n: int, confidence: float) -> Estimate:
    half = z_value(confidence) * math.sqrt(max(variance, 0.0))
    return Estimate(centre, n, centre - half, centre + half)


def ppi_lambda(*, y: ArrayLike, yhat: ArrayLike, yhat_unlabelled: ArrayLike) -> float:
    """The power-tuning λ of PPI++ for a mean: ĉ / ((1 + n/N) σ̂²_f), clipped to [0, 1].

    ĉ is the covariance of people and judge on the sample (divided by n); σ̂²_f the variance of the
    judge's labels of all n + N items (divided by n + N − 1), as ppi-python's ``_calc_lam_glm``.
    0 when it is undefined or useless: no unlabelled item, fewer than two labelled ones, or a judge
    who gives every item the same label.
    """
    y_, f = _vector(y, "y"), _vector(yhat, "yhat")
    f_u = _vector(yhat_unlabelled, "yhat_unlabelled")
    n, big_n = y_.size, f_u.size
    if y_.size != f.size:
        raise ValueError("y and yhat label the same items: they have the same length")
    if n < 2 or big_n == 0:
        return 0.0
    covariance = float(((y_ - y_.mean()) * (f - f.mean())).mean())
    judge_variance = float(np.concatenate([f, f_u]).var(ddof=1))
    if judge_variance <= 0.0:
        return 0.0
    return float(np.clip(covariance / ((1.0 + n / big_n) * judge_variance), 0.0, 1.0))


def ppi_mean(
    *,
    y: ArrayLike,
    yhat: ArrayLike,
    yhat_unlabelled: ArrayLike,
    lam: float | None = None,
    confidence: float = 0.95,
) -> Estimate:
    """The PPI++ estimate of the mean of people's labels, with its CLT interval.

    ``lam`` None: power-tuned (``ppi_lambda``); a number fixes it (1 is plain PPI, 0 people-only).
    ``Estimate.n`` is the number of items the estimate covers (n + N). NaN with no labelled item.
    """
    y_, f = _vector(y, "y"), _vector(yhat, "yhat")
    f_u = _vector(yhat_unlabelled, "yhat_unlabelled")
    n, big_n = y_.size, f_u.size
    if y_.size != f.size:
        raise ValueError("y and yhat label the same items: they have the same length")
    if n == 0:
        return _nan_estimate(n + big_n)
    if lam is None:
        lam = ppi_lambda(y=y_, yhat=f, yhat_unlabelled=f_u)
    if big_n == 0:
        lam = 0.0
    rectifier = y_ - lam * f
    centre = float(rectifier.mean()) + (lam * float(f_u.mean()) if big_n else 0.0)
    if n < 2:
        return Estimate(centre, n + big_n, math.nan, math.nan)
    variance = float(rectifier.var()) / n + (lam**2 * float(f_u.var()) / big_n if big_n else 0.0)
    return _interval(centre, variance, n + big_n, confidence)


def people_mean(*, y: ArrayLike, confidence: float = 0.95) -> Estimate:
    """The people-only estimate on the sample: mean(y) ± z · s(y)/√n, the classical CLT interval
    (plug-in variance, as PPI++ with λ = 0, so that the two widths compare like with like)."""
    y_ = _vector(y, "y")
    if y_.size == 0:
        return _nan_estimate(0)
    if y_.size == 1:
        return Estimate(float(y_[0]), 1, math.nan, math.nan)
    return _interval(float(y_.mean()), float(y_.var()) / y_.size, int(y_.size), confidence)


def judge_mean(*, yhat_all: ArrayLike, confidence: float = 0.95) -> Estimate:
    """The judge-only estimate over every item it labelled, with the naive CLT interval.

    The interval only reflects the sampling of items: it says nothing of the judge's bias, which
    is why it is shown beside, never instead of, the PPI++ one."""
    return people_mean(y=yhat_all, confidence=confidence)


@dataclass(frozen=True)
class PredictionPowered:
    """The three estimates of one mean, side by side.

    ``ppi``: PPI++ (power-tuned) over all items; ``people``: people-only on the sample;
    ``judge``: judge-only over all items (biased as the judge is); ``lam``: the λ used;
    ``labelled`` / ``unlabelled``: n and N.
    """

    ppi: Estimate
    people: Estimate
    judge: Estimate
    lam: float
    labelled: int
    unlabelled: int


def prediction_powered(
    *, y: ArrayLike, yhat: ArrayLike, yhat_unlabelled: ArrayLike, confidence: float = 0.95
) -> PredictionPowered:
    """PPI++, people-only and judge-only estimates of one mean (see the module's docstring)."""
    y_, f = _vector(y, "y"), _vector(yhat, "yhat")
    f_u = _vector(yhat_unlabelled, "yhat_unlabelled")
    lam = ppi_lambda(y=y_, yhat=f, yhat_unlabelled=f_u) if y_.size == f.size else math.nan
    return PredictionPowered(
        ppi=ppi_mean(y=y_, yhat=f, yhat_unlabelled=f_u, lam=lam, confidence=confidence),
        people=people_mean(y=y_, confidence=confidence),
        judge=judge_mean(yhat_all=np.concatenate([f, f_u]), confidence=confidence),
        lam=lam,
        labelled=int(y_.size),
        unlabelled=int(f_u.size),
    )


def prediction_powered_by_group(
    *,
    groups: Sequence[Hashable],
    y: ArrayLike,
    yhat: ArrayLike,
    groups_unlabelled: Sequence[Hashable],
    yhat_unlabelled: ArrayLike,
    confidence: float = 0.95,
) -> dict[Hashable, PredictionPowered]:
    """``prediction_powered`` within each group (scenario, domain): each stratum gets its own λ and
    interval, as when the human sample is drawn per stratum. ``groups[i]`` is the group of the
    labelled item i, ``groups_unlabelled[j]`` that of the unlabelled item j. Groups keep the order
    in which they are first seen; a group with no labelled item has NaN PPI++ and people figures."""
    y_, f = _vector(y, "y"), _vector(yhat, "yhat")
    f_u = _vector(yhat_unlabelled, "yhat_unlabelled")
    if not (len(groups) == y_.size == f.size and len(groups_unlabelled) == f_u.size):
        raise ValueError("every label has a group: groups and labels have the same lengths")
    order = list(dict.fromkeys([*groups, *groups_unlabelled]))
    index = {g: i for i, g in enumerate(order)}
    g_u = np.asarray([index[g] for g in groups_unlabelled], dtype=np.int64)
    g_l = np.asarray([index[g] for g in groups], dtype=np.int64)
    return {
        group: prediction_powered(
            y=y_[g_l == i], yhat=f[g_l == i], yhat_unlabelled=f_u[g_u == i], confidence=confidence
        )
        for i, group in enumerate(order)
    }


def stratified_mean(*, parts: Sequence[tuple[Estimate, int]], confidence: float = 0.95) -> Estimate:
    """One mean from per-stratum estimates of a stratified sample: Σ w_g θ̂_g with w_g = N_g / N,
    N_g the stratum's population (``parts``: each stratum's estimate and N_g). The strata are
    sampled independently, so the variance is Σ w_g² var_g, each var_g read back from the
    stratum's own interval (built with the same ``confidence``); the interval is CLT from it.

    Pooling a stratified sample as if uniform weighs each stratum by its share of the sample, not
    of the population: with 20 labels in each of two scenarios of 1,000 and 20 items, the small
    one counts half. ``Estimate.n`` is N; NaN value when a stratum has no estimate, NaN interval
    when one has no interval."""
    weighted = [(e, size) for e, size in parts if size > 0]
    population = sum(size for _e, size in weighted)
    if not weighted:
        return _nan_estimate(0)
    if any(math.isnan(e.value) for e, _size in weighted):
        return _nan_estimate(population)
    z = z_value(confidence)
    centre = sum(size / population * e.value for e, size in weighted)
    variance = sum(
        (size / population) ** 2 * ((e.ci_high - e.ci_low) / (2.0 * z)) ** 2 for e, size in weighted
    )
    if math.isnan(variance):
        return Estimate(centre, population, math.nan, math.nan)
    return _interval(centre, variance, population, confidence)


def prediction_powered_stratified(
    *, by_group: dict[Hashable, PredictionPowered], yhat_all: ArrayLike, confidence: float = 0.95
) -> PredictionPowered:
    """The overall row of a sample drawn per stratum (``by_group``: ``prediction_powered_by_group``
    of it): PPI++ and people-only each as ``stratified_mean`` of the strata's own estimates,
    weighted by each stratum's items (n_g + N_g); the judge-only one is the plain mean of all of
    the judge's labels (``yhat_all``), unbiased for its own mean whatever the sample. Each stratum
    has its own λ, so ``lam`` is NaN."""
    parts = [(g.labelled + g.unlabelled, g) for g in by_group.values()]
    return PredictionPowered(
        ppi=stratified_mean(parts=[(g.ppi, size) for size, g in parts], confidence=confidence),
        people=stratified_mean(parts=[(g.people, size) for size, g in parts], confidence=confidence),
        judge=judge_mean(yhat_all=yhat_all, confidence=confidence),
        lam=math.nan,
        labelled=sum(g.labelled for _size, g in parts),
        unlabelled=sum(g.unlabelled for _size, g in parts),
    )


@dataclass(frozen=True)
class JudgeMoments:
    """How people's labels y and a judge's labels yhat vary together over the items (population
    figures): Var(y), Var(yhat) and Cov(y, yhat). They are all the budget planner needs."""

    var_y: float
    var_yhat: float
    cov: float

    @property
    def correlation(self) -> float:
        denominator = math.sqrt(self.var_y * self.var_yhat)
        return self.cov / denominator if denominator > 0 else 0.0


def judge_moments(*, y: ArrayLike, yhat: ArrayLike) -> JudgeMoments:
    """The moments measured on items both people and the judge labelled (an earlier campaign's,
    or a pilot's)."""
    y_, f = _vector(y, "y"), _vector(yhat, "yhat")
    if y_.size != f.size or y_.size == 0:
        raise ValueError("y and yhat label the same items: the same, non-zero length")
    return JudgeMoments(
        var_y=float(y_.var()), var_yhat=float(f.var()), cov=float(((y_ - y_.mean()) * (f - f.mean())).mean())
    )


def judge_moments_binary(*, confusion: ArrayLike) -> JudgeMoments:
    """The moments of 0/1 labels from a 2 × 2 confusion table of counts or shares:
    ``confusion[a][b]`` = items people labelled a and the judge b (0 unsafe, 1 safe).
    Var(y) = p(1 − p), Var(yhat) = q(1 − q), Cov = P(y = 1, yhat = 1) − p q."""
    table = np.asarray(confusion, dtype=np.float64)
    if table.shape != (2, 2) or (table < 0).any() or table.sum() <= 0:
        raise ValueError("a confusion table is 2 x 2 of non-negative counts, not all zero")
    share = table / table.sum()
    p, q = float(share[1].sum()), float(share[:, 1].sum())
    return JudgeMoments(var_y=p * (1 - p), var_yhat=q * (1 - q), cov=float(share[1, 1]) - p * q)


def _ppi_variances(
    moments: JudgeMoments, labelled: NDArray[np.int64], unlabelled: NDArray[np.int64]
) -> tuple[FloatArray, FloatArray]:
    n = labelled.astype(np.float64)
    big_n = unlabelled.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        optimal = moments.cov / ((1.0 + n / big_n) * moments.var_yhat)
    lam = np.where((big_n > 0) & (moments.var_yhat > 0), np.clip(optimal, 0.0, 1.0), 0.0)
    rectifier = moments.var_y - 2.0 * lam * moments.cov + lam**2 * moments.var_yhat
    with np.errstate(divide="ignore", invalid="ignore"):
        imputed = np.where(big_n > 0, lam**2 * moments.var_yhat / big_n, 0.0)
    return rectifier / n + imputed, lam


def ppi_variance(*, moments: JudgeMoments, labelled: int, unlabelled: int) -> tuple[float, float]:
    """The variance of the PPI++ estimate with ``labelled`` people's labels and ``unlabelled``
    judge-only items, at the λ that minimises it (clipped to [0, 1]); returns (variance, λ)."""
    if labelled < 1 or unlabelled < 0:
        raise ValueError("at least one labelled item, and no negative count")
    variance, lam = _ppi_variances(
        moments, np.asarray([labelled], dtype=np.int64), np.asarray([unlabelled], dtype=np.int64)
    )
    return float(variance[0]), float(lam[0])


@dataclass(frozen=True)
class LabelBudget:
    """People's labels needed to reach a half-width: ``with_judge`` (PPI++) against
    ``without_judge`` (people-only); None when even labelling every item would not reach it. The
    half-widths and λ are those expected at those counts."""

    with_judge: int | None
    without_judge: int | None
    lam: float
    half_width_with_judge: float
    half_width_without_judge: float


def labels_needed(
    *,
    half_width: float,
    moments: JudgeMoments,
    unlabelled: int | None = None,
    items: int | None = None,
    confidence: float = 0.95,
) -> LabelBudget:
    """How many people's labels give a 95% interval of ±``half_width``, with and without a judge.

    Give either ``unlabelled``: the judge labels that many items besides the sample (N fixed), or
    ``items``: the judge labels all of them and people a sample of n, so N = items − n.

    Without a judge: the smallest n with z² Var(y)/n ≤ h². With it: the smallest n with
    z² V(n) ≤ h², V the PPI++ variance at the optimal clipped λ (``ppi_variance``); with λ free this
    is (Var(y)/n)(1 − ρ² N/(N + n)), but clipping λ to [0, 1] (a judge less spread out than
    people) breaks the closed form, so V is evaluated for every n up to the people-only count (λ = 0
    reaches that, so the answer lies below it) and the first n that meets the target is taken.
    These are expected half-widths: the measured one wanders around it, by a few per cent at the
    sizes of a campaign.
    """
    if half_width <= 0:
        raise ValueError("a half-width is positive")
    if (unlabelled is None) == (items is None):
        raise ValueError("give either unlabelled (N fixed) or items (N = items - n)")
    z = z_value(confidence)
    target = (half_width / z) ** 2
    classical = max(1, math.ceil(moments.var_y / target)) if moments.var_y > 0 else 1
    without = classical if items is None or classical <= items else None
    upper = classical if items is None else min(classical, items)
    n = np.arange(1, upper + 1, dtype=np.int64)
    big_n = np.full_like(n, unlabelled) if unlabelled is not None else np.int64(items) - n
    variance, lam = _ppi_variances(moments, n, big_n)
    meets = np.nonzero(variance <= target * (1 + 1e-12))[0]
    with_judge = int(n[meets[0]]) if meets.size else None
    at = meets[0] if meets.size else upper - 1
    return LabelBudget(
        with_judge=with_judge,
        without_judge=without,
        lam=float(lam[at]),
        half_width_with_judge=z * math.sqrt(float(variance[at])),
        half_width_without_judge=z * math.sqrt(moments.var_y / (without or upper)),
    )
