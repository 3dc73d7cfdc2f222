"""Each judge's reliability estimated from the judgements themselves, with no gold answers.

Categorical labels (safe / unsafe) get two latent-truth models fitted by EM:

- **Dawid–Skene** (Dawid & Skene 1979): every judge has a confusion matrix, the probability of
  answering ``l`` when the truth is ``k``; the truth has a class prior. A judge's *accuracy* is
  ``Σ_k prior_k · C[k, k]``; per class, ``recall[k] = C[k, k]`` (for safety: how often the judge
  calls an unsafe response unsafe, and a safe one safe).
- **MACE** (Hovy et al. 2013, "Learning Whom to Trust with MACE"): a judge either knows the answer
  (with probability ``competence``) or spams from a private distribution over labels (``strategy``);
  ``spamming = 1 − competence``. A random clicker gets a competence near 0 even when half its
  answers happen to be right, which accuracy alone cannot show.

Ratings (1–10) get each judge's *bias* (mean signed difference from the leave-one-out consensus,
the mean of the other judges of the same item) and *spread* (the standard deviation of that
difference): a harsh expert has a negative bias, an erratic one a large spread.

Plain Python and numpy, no Django. Inputs are ``(item, judge, value)`` triples with any hashable
ids; outputs are keyed by those ids. These are written here in numpy rather than called from
crowd-kit: crowd-kit's results match (tests/metrics/test_reliability_crowdkit.py checks them), but
it brings pandas, scikit-learn, scipy, pyarrow, transformers and nltk (about 560 MB) into the worker
for two short EM loops, and on 300,000 judgements its DS took 4–9 s and its MACE (ten restarts) about
4 minutes, against 0.6 s and 1.1 s here (benchmarks/reliability.py).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from metrics.scores import Estimate, wilson

# Pseudo-counts that keep every estimated probability off 0 and 1 (a judge seen on three items
# must not be declared infallible), small enough not to move the estimates of a busy judge.
DS_SMOOTHING = 0.01
MACE_COMPETENCE_PRIOR = (0.5, 0.5)  # Beta(a, b) on competence, MACE's defaults
MACE_STRATEGY_SMOOTHING = 0.1
# EM stops when no item's posterior moves more than TOL in an iteration; labels are long settled by
# then (on simulated judgements, 1e-6 changes none of them), and MACE converges slowly.
TOL = 1e-4
MAX_ITER = 500


@dataclass(frozen=True)
class JudgeCompetence:
    """One judge's competence as a model estimated it.

    ``accuracy``: the probability that the judge's label is the true one (DS: weighted by the class
    prior; MACE: ``competence + spamming · strategy[truth]`` averaged over the posterior truth).
    ``recall``: per true label, the probability that the judge gives it (DS only; MACE leaves it
    empty). ``by_truth``: per true label, how many of the judge's judgements are expected to be of
    items with that truth (DS only: the posteriors summed; what each recall rests on).
    ``competence`` and ``spamming``: MACE only (None for DS).
    """

    judge: Hashable
    judgements: int
    accuracy: float
    recall: dict[Hashable, float] = field(default_factory=dict)
    by_truth: dict[Hashable, float] = field(default_factory=dict)
    competence: float | None = None
    spamming: float | None = None


@dataclass(frozen=True)
class ReliabilityResult:
    """What a latent-truth model makes of a set of judgements.

    ``labels``: each item's most probable true label (a tie goes to the first label in sorted
    order: for safety ``False`` = unsafe, as the majority rule does). ``posteriors``: each item's
    probability of each label. ``judges``: each judge's competence. ``priors``: the estimated class
    prior. ``converged``: whether EM stopped on ``tol`` before ``max_iter``.
    """

    method: str
    categories: tuple[Hashable, ...]
    labels: dict[Hashable, Hashable]
    posteriors: dict[Hashable, dict[Hashable, float]]
    judges: dict[Hashable, JudgeCompetence]
    priors: dict[Hashable, float]
    iterations: int
    converged: bool


@dataclass(frozen=True)
class RatingBias:
    """One judge against the leave-one-out consensus of ratings.

    ``bias``: mean of (own rating − mean of the other judges of the item); ``spread``: the sample
    standard deviation of that difference (NaN under two items); ``items``: items with at least
    one other judge; ``mean_absolute``: mean of |difference|.
    """

    judge: Hashable
    items: int
    bias: float
    spread: float
    mean_absolute: float


@dataclass
class _Encoded:
    item_ids: list[Hashable]
    judge_ids: list[Hashable]
    categories: tuple[Hashable, ...]
    item: NDArray[np.intp]
    judge: NDArray[np.intp]
    label: NDArray[np.intp]


def _sort_key(value: Any) -> tuple[str, Any]:
    # Mixed-type ids still sort: group by type name, then by value.
    return (type(value).__name__, value)


def _canonical(ids: dict[Hashable, int]) -> tuple[list[Hashable], NDArray[np.intp]]:
    """Ids in sorted order (first-seen order if they do not sort), and each old index's new one."""
    try:
        ordered = sorted(ids, key=_sort_key)
    except TypeError:
        ordered = list(ids)
    new_index = np.empty(len(ids), dtype=np.intp)
    new_index[[ids[x] for x in ordered]] = np.arange(len(ordered))
    return ordered, new_index


def _index(
    triples: Iterable[tuple[Hashable, Hashable, Any]],
) -> tuple[list[Hashable], list[Hashable], NDArray[np.intp], NDArray[np.intp], list[Any]]:
    """Item ids, judge ids, and per judgement its item and judge index and value; one judgement
    per (item, judge): the last one wins (an edit replaces what it edits).

    Items, judges and judgements come out in sorted order, whatever order they came in: EM from
    a symmetric start (an item split 1–1 between two judges seen nowhere else) can tip either way
    on the last bit of a float sum, and the sum's order must not decide which.
    """
    item_index: dict[Hashable, int] = {}
    judge_index: dict[Hashable, int] = {}
    seen: dict[tuple[int, int], Any] = {}
    for item, judge, value in triples:
        i = item_index.setdefault(item, len(item_index))
        j = judge_index.setdefault(judge, len(judge_index))
        seen[(i, j)] = value
    n = len(seen)
    item_ids, item_new = _canonical(item_index)
    judge_ids, judge_new = _canonical(judge_index)
    item_of = item_new[np.fromiter((key[0] for key in seen), dtype=np.intp, count=n)]
    judge_of = judge_new[np.fromiter((key[1] for key in seen), dtype=np.intp, count=n)]
    order = np.lexsort((judge_of, item_of))
    values = list(seen.values())
    return item_ids, judge_ids, item_of[order], judge_of[order], [values[k] for k in order.tolist()]


def _encode(labels: Iterable[tuple[Hashable, Hashable, Hashable]]) -> _Encoded:
    """Index items, judges and labels (labels in sorted order)."""
    item_ids, judge_ids, item, judge, values = _index(labels)
    categories = tuple(sorted(set(values), key=_sort_key))
    label_index = {c: k for k, c in enumerate(categories)}
    label = np.fromiter((label_index[v] for v in values), dtype=np.intp, count=len(values))
    return _Encoded(item_ids, judge_ids, categories, item, judge, label)


def _vote_shares(enc: _Encoded) -> NDArray[np.float64]:
    """Each item's share of each label, as (labels, items): the majority vote, softly."""
    n_items, k = len(enc.item_ids), len(enc.categories)
    counts = np.bincount(enc.label * n_items + enc.item, minlength=k * n_items).reshape(k, n_items)
    return counts / counts.sum(axis=0)


# Posteriors are held as (labels, items): with two labels, a reduction over the labels is then an
# elementwise operation on two long rows, several times faster than over a short last axis.


def _posterior_from(
    enc: _Encoded, log_prior: NDArray[np.float64], log_cell: NDArray[np.float64]
) -> NDArray[np.float64]:
    """P(truth | answers) per item, from log P(answer | truth) per (judge, answer) cell, laid out
    as (truth, judges × labels)."""
    n_items = len(enc.item_ids)
    cell = enc.judge * len(enc.categories) + enc.label
    log_p = np.stack(
        [
            log_prior[t] + np.bincount(enc.item, weights=log_cell[t][cell], minlength=n_items)
            for t in range(log_cell.shape[0])
        ]
    )
    log_p -= log_p.max(axis=0)
    p = np.exp(log_p)
    return p / p.sum(axis=0)


def _result(
    method: str,
    enc: _Encoded,
    posterior: NDArray[np.float64],
    judges: list[JudgeCompetence],
    priors: NDArray[np.float64],
    iterations: int,
    converged: bool,
) -> ReliabilityResult:
    cats = enc.categories
    # argmax takes the first maximum: the tie rule documented on ReliabilityResult.
    best = np.argmax(np.round(posterior, 12), axis=0)
    return ReliabilityResult(
        method=method,
        categories=cats,
        labels={item: cats[b] for item, b in zip(enc.item_ids, best.tolist(), strict=True)},
        posteriors={
            item: dict(zip(cats, row, strict=True))
            for item, row in zip(enc.item_ids, posterior.T.tolist(), strict=True)
        },
        judges={c.judge: c for c in judges},
        priors=dict(zip(cats, priors.tolist(), strict=True)),
        iterations=iterations,
        converged=converged,
    )


def _empty(method: str) -> ReliabilityResult:
    return ReliabilityResult(method, (), {}, {}, {}, {}, 0, True)


def dawid_skene(
    labels: Iterable[tuple[Hashable, Hashable, Hashable]],
    *,
    max_iter: int = MAX_ITER,
    tol: float = TOL,
    smoothing: float = DS_SMOOTHING,
) -> ReliabilityResult:
    """Fit Dawid–Skene by EM to ``(item, judge, label)`` triples.

    Starts from the vote shares of each item (majority vote), then alternates: class prior and
    each judge's confusion matrix from the current posteriors (plus ``smoothing`` pseudo-counts per
    cell), and posteriors from those. Stops when no posterior moves more than ``tol``.
    """
    enc = _encode(labels)
    if not enc.item_ids:
        return _empty("dawid_skene")
    n_items, n_judges, k = len(enc.item_ids), len(enc.judge_ids), len(enc.categories)
    posterior = _vote_shares(enc)
    cell = enc.judge * k + enc.label
    converged, iterations = False, 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported in the result)
        priors = (posterior.sum(axis=1) + smoothing) / (n_items + k * smoothing)
        # confusion[judge, truth, answer]: expected counts under the posteriors, smoothed.
        confusion = np.stack(
            [
                np.bincount(cell, weights=posterior[t][enc.item], minlength=n_judges * k).reshape(n_judges, k)
                for t in range(k)
            ],
            axis=1,
        )
        confusion += smoothing
        confusion /= confusion.sum(axis=2, keepdims=True)
        log_cell = np.log(confusion).transpose(1, 0, 2).reshape(k, n_judges * k)
        updated = _posterior_from(enc, np.log(priors), log_cell)
        change = float(np.abs(updated - posterior).max())
        posterior = updated
        if change < tol:
            converged = True
            break
    counts = np.bincount(enc.judge, minlength=n_judges)
    diagonal = confusion[:, np.arange(k), np.arange(k)]  # (judges, k)
    by_truth = np.stack(
        [np.bincount(enc.judge, weights=posterior[t][enc.item], minlength=n_judges) for t in range(k)], axis=1
    )
    judges = [
        JudgeCompetence(
            judge=judge_id,
            judgements=int(counts[j]),
            accuracy=float(diagonal[j] @ priors),
            recall=dict(zip(enc.categories, diagonal[j].tolist(), strict=True)),
            by_truth=dict(zip(enc.categories, by_truth[j].tolist(), strict=True)),
        )
        for j, judge_id in enumerate(enc.judge_ids)
    ]
    return _result("dawid_skene", enc, posterior, judges, priors, iterations, converged)


def mace(
    labels: Iterable[tuple[Hashable, Hashable, Hashable]],
    *,
    max_iter: int = MAX_ITER,
    tol: float = TOL,
    competence_prior: tuple[float, float] = MACE_COMPETENCE_PRIOR,
    strategy_smoothing: float = MACE_STRATEGY_SMOOTHING,
) -> ReliabilityResult:
    """Fit MACE by EM (maximum a posteriori) to ``(item, judge, label)`` triples.

    Unlike the original MACE, the class prior is estimated (as in Dawid–Skene) rather than taken
    as uniform: most responses are safe, and with a uniform prior EM explains the common label as
    spam and mislabels safe items (simulated 80% safe: 77% of labels right against 92%). Each judge
    answers the truth with probability ``competence`` and otherwise draws from ``strategy``;
    ``competence`` has a Beta ``competence_prior`` (pseudo-counts of competent, spamming),
    ``strategy`` a symmetric ``strategy_smoothing`` pseudo-count. EM starts from each item's vote
    shares (deterministic: no random restarts) and stops when no posterior moves more than ``tol``.
    """
    enc = _encode(labels)
    if not enc.item_ids:
        return _empty("mace")
    n_items, n_judges, k = len(enc.item_ids), len(enc.judge_ids), len(enc.categories)
    a, b = competence_prior
    counts = np.bincount(enc.judge, minlength=n_judges).astype(float)
    posterior = _vote_shares(enc)
    cell = enc.judge * k + enc.label
    truth_is_answer = enc.label * n_items + enc.item
    competence = np.full(n_judges, 0.5)
    strategy = np.full((n_judges, k), 1.0 / k)
    converged, iterations = False, 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported in the result)
        # M-step. Given truth t and answer l, the judge knew it with probability
        # θ·[l = t] / (θ·[l = t] + (1 − θ)·ξ[l]): the expected share "answered from knowledge"
        # is P(truth = l) · θ / (θ + (1 − θ)·ξ[l]).
        knew_if_right = competence[:, None] / (competence[:, None] + (1 - competence)[:, None] * strategy)
        knew = posterior.ravel()[truth_is_answer] * knew_if_right.ravel()[cell]
        competence = (np.bincount(enc.judge, weights=knew, minlength=n_judges) + a) / (counts + a + b)
        strategy = np.bincount(cell, weights=1.0 - knew, minlength=n_judges * k).reshape(n_judges, k)
        strategy += strategy_smoothing
        strategy /= strategy.sum(axis=1, keepdims=True)
        priors = (posterior.sum(axis=1) + strategy_smoothing) / (n_items + k * strategy_smoothing)
        # E-step: P(answer l | truth t) = θ·[l = t] + (1 − θ)·ξ[l], laid out [truth, judge, answer].
        answer_given_truth = (
            competence[None, :, None] * np.eye(k)[:, None, :]
            + (1 - competence)[None, :, None] * strategy[None, :, :]
        )
        updated = _posterior_from(enc, np.log(priors), np.log(answer_given_truth).reshape(k, n_judges * k))
        change = float(np.abs(updated - posterior).max())
        posterior = updated
        if change < tol:
            converged = True
            break
    # Accuracy under the model: P(answer = truth) = θ + (1 − θ)·ξ[truth], averaged over the
    # posterior truth of the items the judge answered.
    spam_right = (strategy[enc.judge] * posterior[:, enc.item].T).sum(axis=1)
    per_judgement = competence[enc.judge] + (1 - competence[enc.judge]) * spam_right
    accuracy = np.bincount(enc.judge, weights=per_judgement, minlength=n_judges) / counts
    judges = [
        JudgeCompetence(
            judge=judge_id,
            judgements=int(counts[j]),
            accuracy=float(accuracy[j]),
            competence=float(competence[j]),
            spamming=float(1.0 - competence[j]),
        )
        for j, judge_id in enumerate(enc.judge_ids)
    ]
    return _result("mace", enc, posterior, judges, priors, iterations, converged)


def rating_bias(ratings: Iterable[tuple[Hashable, Hashable, float]]) -> dict[Hashable, RatingBias]:
    """Each judge's bias and spread against the leave-one-out consensus of ``(item, judge, rating)``.

    An item counts for a judge when at least one other judge rated it; the consensus is the mean of
    the others' ratings. Judges with no such item get NaN figures and ``items = 0``.
    """
    item_ids, judge_ids, item, judge, values = _index(ratings)
    if not values:
        return {}
    value = np.asarray(values, dtype=float)
    per_item = np.bincount(item, minlength=len(item_ids))
    sums = np.bincount(item, weights=value, minlength=len(item_ids))
    others = per_item[item] - 1
    paired = others > 0
    diff = value[paired] - (sums[item[paired]] - value[paired]) / others[paired]
    who = judge[paired]
    n_judges = len(judge_ids)
    n_items = np.bincount(who, minlength=n_judges)
    with np.errstate(invalid="ignore", divide="ignore"):
        bias = np.bincount(who, weights=diff, minlength=n_judges) / n_items
        squares = np.bincount(who, weights=(diff - bias[who]) ** 2, minlength=n_judges)
        spread = np.sqrt(squares / (n_items - 1))
        absolute = np.bincount(who, weights=np.abs(diff), minlength=n_judges) / n_items
    out: dict[Hashable, RatingBias] = {}
    for j, judge_id in enumerate(judge_ids):
        m = int(n_items[j])
        out[judge_id] = RatingBias(
            judge=judge_id,
            items=m,
            bias=float(bias[j]) if m else math.nan,
            spread=float(spread[j]) if m >= 2 else math.nan,
            mean_absolute=float(absolute[j]) if m else math.nan,
        )
    return out


# What a rating judge's figures can raise. Fewer consensus items than RATING_FLAG_MIN_ITEMS say too
# little about bias and spread to flag anyone (a spread over three items is mostly noise).
HARSH, LENIENT, ERRATIC, LOW_GOLD = "harsh", "lenient", "erratic", "low_gold"
RATING_FLAG_MIN_ITEMS = 10


@dataclass(frozen=True)
class RatingThresholds:
    """When a rating judge is flagged: ``bias_max`` and ``spread_max`` in points of the scale;
    ``gold_min``: the bar their gold accuracy's upper 95% bound must reach."""

    bias_max: float
    spread_max: float
    gold_min: float


def rating_flags(
    *,
    bias: float | None,
    spread: float | None,
    items: int,
    thresholds: RatingThresholds,
    gold_high: float | None = None,
    min_items: int = RATING_FLAG_MIN_ITEMS,
) -> tuple[str, ...]:
    """The flags of one rating judge: ``lenient`` (bias above ``bias_max``) or ``harsh`` (below
    −``bias_max``), ``erratic`` (spread above ``spread_max``), each only on ``min_items`` consensus
    items or more; ``low_gold`` when the upper bound of their gold accuracy (``gold_high``, None
    with too few gold answers) lies below ``gold_min``."""
    flags: list[str] = []
    if items >= min_items:
        if bias is not None and not math.isnan(bias):
            if bias > thresholds.bias_max:
                flags.append(LENIENT)
            elif bias < -thresholds.bias_max:
                flags.append(HARSH)
        if spread is not None and not math.isnan(spread) and spread > thresholds.spread_max:
            flags.append(ERRATIC)
    if gold_high is not None and not math.isnan(gold_high) and gold_high < thresholds.gold_min:
        flags.append(LOW_GOLD)
    return tuple(flags)


def balanced_competence(judge: JudgeCompetence) -> Estimate | None:
    """A judge's competence from a Dawid–Skene fit: the mean of their recalls over the true labels
    (balanced accuracy), so that a judge who always gives the common label is not rewarded for
    the class prior; None for an estimate without recalls (MACE).

    Its 95% interval is the mean of each recall's Wilson bounds, each over the judgements expected
    to be of that truth (``by_truth``). The recalls are estimated apart, so this is wider than
    their joint interval: a judge is declared below a bar only on clear evidence, never because
    their first few dozen judgements fell unluckily."""
    if not judge.recall:
        return None
    bounds = [wilson(recall, judge.by_truth.get(label, 0.0)) for label, recall in judge.recall.items()]
    return Estimate(
        value=sum(judge.recall.values()) / len(judge.recall),
        n=judge.judgements,
        ci_low=sum(low for low, _ in bounds) / len(bounds),
        ci_high=sum(high for _, high in bounds) / len(bounds),
    )
