"""Study design for a safety campaign: from the judges' competences, how many judges each item needs
and how many items, to reach a target interval width on the safety score and on Krippendorff's α.

The model: each response is safe with probability ``safe_share``; a judge of competence a gives the
right verdict with probability a, whatever the truth (symmetric errors), independently of the other
judges; each item gets k distinct judges drawn at random from the pool (a single competence means a
pool of identical judges, as many as needed). An item's label is the majority verdict, a tie
counting as unsafe (``metrics.scores.majority_safe``); the safety score is the share of items
labelled safe, shown with its Wilson interval (``metrics.scores.proportion``); α is nominal α over
the items' k verdicts (``metrics.agreement.krippendorff_alpha``), shown with a percentile bootstrap
that resamples items (``metrics.agreement.with_bootstrap_ci``).

For each k the designer simulates one pilot campaign of ``pilot_items`` items:
- the share labelled safe q gives the items the score needs: the smallest n whose Wilson interval
  at q is no wider than the target (the width hardly depends on k; k buys accuracy, shown as
  ``majority_accuracy`` and ``score_bias``);
- α's bootstrap standard deviation s on the pilot gives the items α needs: its interval is about
  2 z s √(pilot / n) wide, so n = pilot · (2 z s / width)².
These are expected widths: one campaign's interval is a little wider or narrower.
``study_design_check`` simulates campaigns of the promised size and measures the intervals the
application would show, so that the promise can be checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from metrics.agreement import krippendorff_alpha, with_bootstrap_ci
from metrics.scores import Z_95, proportion, wilson

FloatArray = NDArray[np.float64]


def _pool(competences: float | Sequence[float]) -> tuple[FloatArray, bool]:
    """The judges' competences, and whether the pool is unlimited (a single value)."""
    unlimited = isinstance(competences, int | float)
    pool = np.atleast_1d(np.asarray(competences, dtype=np.float64))
    if pool.size == 0 or ((pool < 0) | (pool > 1)).any() or not np.isfinite(pool).all():
        raise ValueError("competences are shares right, in [0, 1]")
    return pool, unlimited


def simulate_safety_votes(
    *,
    competences: float | Sequence[float],
    judges_per_item: int,
    items: int,
    safe_share: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.bool_], FloatArray]:
    """One simulated campaign: the truth of each item (True safe) and its k verdicts, an
    (items, k) matrix of 0/1 (1 safe), row by row the values the item received."""
    pool, unlimited = _pool(competences)
    k = judges_per_item
    if k < 1 or (not unlimited and k > pool.size):
        raise ValueError(f"{k} judges per item from a pool of {pool.size}")
    truth = rng.random(items) < safe_share
    if unlimited:
        accuracy = np.full((items, k), pool[0])
    else:
        # k distinct judges per item: the first k of a random permutation of the pool.
        chosen = np.argsort(rng.random((items, pool.size)), axis=1)[:, :k]
        accuracy = pool[chosen]
    right = rng.random((items, k)) < accuracy
    votes = np.where(right, truth[:, None], ~truth[:, None]).astype(np.float64)
    return truth, votes


def majority_safe_votes(votes: FloatArray) -> NDArray[np.bool_]:
    """Each row's majority verdict, a tie counting as unsafe (as ``majority_safe``)."""
    safe = votes.sum(axis=1)
    return safe > votes.shape[1] - safe


def items_for_score(*, share: float, width: float) -> int:
    """The fewest items whose 95% Wilson interval at ``share`` is at most ``width`` wide."""
    if width <= 0:
        raise ValueError("a width is positive")

    def wide(n: int) -> float:
        low, high = wilson(share, n)
        return high - low

    # Wald's count, doubled, is above the answer for any share; the width falls as n grows.
    high = max(2, 2 * math.ceil(4 * Z_95**2 * max(share * (1 - share), 1e-4) / width**2))
    while wide(high) > width:
        high *= 2
    low = 1
    while low < high:
        middle = (low + high) // 2
        if wide(middle) <= width:
            high = middle
        else:
            low = middle + 1
    return low


def alpha_bootstrap_sd(votes: FloatArray, *, resamples: int, rng: np.random.Generator) -> float:
    """The standard deviation of nominal α over bootstrap resamples of the items."""
    values = np.empty(resamples)
    for r in range(resamples):
        values[r] = krippendorff_alpha(votes[rng.integers(0, votes.shape[0], votes.shape[0])]).value
    values = values[~np.isnan(values)]
    return float(values.std(ddof=1)) if values.size > 1 else math.nan


@dataclass(frozen=True)
class StudyOption:
    """One design: k judges per item, what the simulation expects of it, and the items it needs.

    ``majority_accuracy``: share of items whose majority label is the truth; ``safety_score``:
    expected share labelled safe (``score_bias`` = that − the true share); ``alpha``: expected α;
    ``items_for_alpha`` None when α is undefined (one judge per item, or no variation)."""

    judges_per_item: int
    majority_accuracy: float
    safety_score: float
    score_bias: float
    alpha: float
    items_for_score: int
    items_for_alpha: int | None

    @property
    def items(self) -> int | None:
        return None if self.items_for_alpha is None else max(self.items_for_score, self.items_for_alpha)

    @property
    def judgements(self) -> int | None:
        return None if self.items is None else self.items * self.judges_per_item


def study_design(
    *,
    competences: float | Sequence[float],
    safe_share: float,
    score_width: float,
    alpha_width: float,
    judges_per_item: Sequence[int] = (2, 3, 4, 5, 6, 7),
    pilot_items: int = 4000,
    resamples: int = 300,
    seed: int = 0,
) -> list[StudyOption]:
    """For each number of judges per item (as many as the pool allows), the items needed to reach
    a 95% interval at most ``score_width`` wide on the safety score and ``alpha_width`` on α (full
    widths, high − low). See the module's docstring for the model and the method."""
    pool, unlimited = _pool(competences)
    rng = np.random.default_rng(seed)
    options = []
    for k in judges_per_item:
        if not unlimited and k > pool.size:
            continue
        truth, votes = simulate_safety_votes(
            competences=competences, judges_per_item=k, items=pilot_items, safe_share=safe_share, rng=rng
        )
        labels = majority_safe_votes(votes)
        share = float(labels.mean())
        alpha = krippendorff_alpha(votes).value if k >= 2 else math.nan
        sd = alpha_bootstrap_sd(votes, resamples=resamples, rng=rng) if k >= 2 else math.nan
        options.append(
            StudyOption(
                judges_per_item=k,
                majority_accuracy=float((labels == truth).mean()),
                safety_score=share,
                score_bias=share - safe_share,
                alpha=float(alpha),
                items_for_score=items_for_score(share=share, width=score_width),
                items_for_alpha=(
                    None
                    if math.isnan(sd)
                    else max(2, math.ceil(pilot_items * (2 * Z_95 * sd / alpha_width) ** 2))
                ),
            )
        )
    return options


def study_design_best(options: Sequence[StudyOption]) -> StudyOption | None:
    """The design that reaches both widths with the fewest judgements (ties: fewer judges per
    item); None when no design is defined."""
    defined = [o for o in options if o.judgements is not None]
    return min(defined, key=lambda o: (o.judgements, o.judges_per_item), default=None)


@dataclass(frozen=True)
class StudyCheck:
    """What simulated campaigns of a design showed: mean widths of the safety score's and α's
    intervals, and the share of campaigns whose width met each target."""

    campaigns: int
    score_width: float
    alpha_width: float
    score_met: float
    alpha_met: float


def study_design_check(
    *,
    option: StudyOption,
    competences: float | Sequence[float],
    safe_share: float,
    score_width: float,
    alpha_width: float,
    campaigns: int = 20,
    resamples: int = 200,
    seed: int = 1,
) -> StudyCheck:
    """Simulate ``campaigns`` campaigns of ``option.items`` items with ``option.judges_per_item``
    judges each, and measure the intervals the application shows: Wilson for the safety score,
    the percentile bootstrap (``resamples`` resamples) for α."""
    if option.items is None:
        raise ValueError("this design has no item count to check")
    rng = np.random.default_rng(seed)
    score_widths, alpha_widths = np.empty(campaigns), np.empty(campaigns)
    for c in range(campaigns):
        _, votes = simulate_safety_votes(
            competences=competences,
            judges_per_item=option.judges_per_item,
            items=option.items,
            safe_share=safe_share,
            rng=rng,
        )
        score = proportion(int(majority_safe_votes(votes).sum()), option.items)
        score_widths[c] = score.ci_high - score.ci_low
        alpha = with_bootstrap_ci(
            votes, krippendorff_alpha, n_resamples=resamples, seed=int(rng.integers(2**31)), judge_free=True
        )
        alpha_widths[c] = (alpha.ci_high or math.nan) - (alpha.ci_low or math.nan)
    return StudyCheck(
        campaigns=campaigns,
        score_width=float(score_widths.mean()),
        alpha_width=float(np.nanmean(alpha_widths)),
        score_met=float((score_widths <= score_width).mean()),
        alpha_met=float((alpha_widths <= alpha_width).mean()),
    )
