"""Pairwise judging: Bradley–Terry rankings of models from "which answer is better?" votes.

A vote shows one prompt's answers by two models side by side; the judge says A is better, B is
better, they tie, or both are bad. Models are integer indices ``0 … n_models − 1`` (the caller keeps
their names); votes are integer-coded numpy arrays (``Votes``), so a million of them aggregate in
milliseconds into per-pair counts (``PairCounts``), which is all the fits and the bootstrap read.

**Ties.** A tie counts as half a win to each side (``TIE_SHARE``), as Chatbot Arena counts them;
"both bad" counts as a tie for the ranking (it says the two are alike, only not how good) and is
kept apart in the counts for display. The win-rate matrix and the position bias leave ties out.

**Scores.** ``P(i beats j) = 1 / (1 + exp(−(s_i − s_j)))``. The fit maximises the log-likelihood
minus ``reg · Σ s_i²`` (``REG``: a Gaussian prior of standard deviation 1/√(2·reg) ≈ 7, about
1,200 Elo points, on each log-strength): a model that never lost, or never won, still gets a finite
score, and a model with thousands of votes moves by less than 1e-4. The penalised optimum has
mean 0, so scores come out on the log scale with mean 0 over the models that have votes; models
without a vote have no score (NaN). Elo-like ratings are ``ELO_BASE + ELO_SCALE · s`` (400/ln 10
points per unit, as Chatbot Arena reports), or shifted so that an anchor model sits at a given
rating. The intervals are percentile bootstrap intervals (votes resampled with replacement).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from metrics.scores import Estimate, proportion

A_BETTER, B_BETTER, TIE, BOTH_BAD = 0, 1, 2, 3
TIE_SHARE = 0.5
REG = 0.01
ELO_SCALE = 400 / math.log(10)
ELO_BASE = 1000.0
N_RESAMPLES = 200
# Newton stops when no score moves by more than this in a step (quadratic convergence: the step
# before was around 1e-5).
TOL = 1e-10
MAX_ITER = 100
# Resamples fitted at once: each holds a few n × n arrays, so large rosters are done in slices.
BATCH_CELLS = 2_000_000
# How strongly active sampling favours the models with the widest intervals (see pair_gains).
FOCUS = 4

K = TypeVar("K")


@dataclass(frozen=True)
class Votes:
    """Pairwise votes as parallel arrays: the two models, the outcome (``A_BETTER``, ``B_BETTER``,
    ``TIE``, ``BOTH_BAD``) and whether model A's answer was shown on the left."""

    model_a: NDArray[np.int64]
    model_b: NDArray[np.int64]
    outcome: NDArray[np.int8]
    a_left: NDArray[np.bool_]

    @classmethod
    def of(cls, model_a: ArrayLike, model_b: ArrayLike, outcome: ArrayLike, a_left: ArrayLike) -> Votes:
        votes = cls(
            np.asarray(model_a, dtype=np.int64),
            np.asarray(model_b, dtype=np.int64),
            np.asarray(outcome, dtype=np.int8),
            np.asarray(a_left, dtype=bool),
        )
        if not (votes.model_a.shape == votes.model_b.shape == votes.outcome.shape == votes.a_left.shape):
            raise ValueError("the vote arrays differ in length")
        if np.any(votes.model_a == votes.model_b):
            raise ValueError("a vote compares a model with itself")
        if np.any((votes.outcome < A_BETTER) | (votes.outcome > BOTH_BAD)):
            raise ValueError("an outcome is not one of A_BETTER, B_BETTER, TIE, BOTH_BAD")
        return votes

    def __len__(self) -> int:
        return int(self.outcome.size)


@dataclass(frozen=True)
class PairCounts:
    """Votes counted per pair of models. ``wins[i, j]``: decisive votes in which i beat j;
    ``ties[i, j]`` (symmetric): ties and both-bad votes between i and j; ``both_bad`` (symmetric):
    the both-bad part of ``ties``."""

    wins: NDArray[np.int64]
    ties: NDArray[np.int64]
    both_bad: NDArray[np.int64]

    @property
    def n_models(self) -> int:
        return int(self.wins.shape[0])

    @property
    def votes(self) -> NDArray[np.int64]:
        """Votes per pair (symmetric)."""
        return self.wins + self.wins.T + self.ties

    def effective_wins(self) -> NDArray[np.float64]:
        """What the fit reads: decisive wins plus ``TIE_SHARE`` of every tie."""
        return self.wins + TIE_SHARE * self.ties


def win_matrix(votes: Votes, n_models: int) -> PairCounts:
    """The votes counted per ordered pair of models."""
    a, b, outcome = votes.model_a, votes.model_b, votes.outcome
    cells = n_models * n_models

    def count(rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.int64]:
        return np.bincount(rows * n_models + cols, minlength=cells).reshape(n_models, n_models)

    a_won, b_won = outcome == A_BETTER, outcome == B_BETTER
    tied, bad = outcome >= TIE, outcome == BOTH_BAD
    wins = count(a[a_won], b[a_won]) + count(b[b_won], a[b_won])
    ties, both_bad = count(a[tied], b[tied]), count(a[bad], b[bad])
    return PairCounts(wins=wins, ties=ties + ties.T, both_bad=both_bad + both_bad.T)


def _objective(theta: NDArray, wins: NDArray, reg: float) -> NDArray:
    diff = theta[:, :, None] - theta[:, None, :]
    return (wins * np.logaddexp(0.0, -diff)).sum(axis=(1, 2)) + reg * (theta**2).sum(axis=1)


def _newton(wins: NDArray, theta: NDArray, reg: float) -> NDArray:
    """Penalised maximum likelihood for a batch of effective-win matrices ``wins`` (B × n × n),
    from the starting scores ``theta`` (B × n).

    Newton's method on the log-likelihood rather than Hunter's MM (2004): with tens of models the
    n × n Hessian costs next to nothing to form and solve, and Newton converges quadratically (5–8
    steps from zero, 2–4 from the point estimate for a bootstrap resample) where MM converges
    linearly and needs hundreds of iterations when strengths are far apart or data sparse. The
    objective is convex, so a backtracking line search is all the safeguard it needs (a model that
    never lost would otherwise overshoot). The scores' common level is not identified by the
    likelihood: adding 1/n to every Hessian entry keeps each step at mean 0 (for reg = 0 too)."""
    n = theta.shape[1]
    totals = wins + np.swapaxes(wins, 1, 2)
    won = wins.sum(axis=2)
    eye = np.eye(n)
    value = _objective(theta, wins, reg)
    for _ in range(MAX_ITER):
        diff = theta[:, :, None] - theta[:, None, :]
        p = 0.5 + 0.5 * np.tanh(0.5 * diff)  # the logistic function, without overflow
        gradient = (totals * p).sum(axis=2) - won + 2 * reg * theta
        weight = totals * p * (1 - p)
        hessian = -weight + eye * (weight.sum(axis=2) + 2 * reg)[:, None, :] + 1.0 / n
        step = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        slope = -(gradient * step).sum(axis=1)
        t = np.ones(theta.shape[0])
        for _ in range(60):
            candidate = theta - t[:, None] * step
            new_value = _objective(candidate, wins, reg)
            # The slack lets a step that is already at rounding level through.
            ok = new_value <= value + 1e-4 * t * slope + 1e-12 * np.abs(value)
            if ok.all():
                break
            t = np.where(ok, t, t / 2)
        theta = candidate - candidate.mean(axis=1, keepdims=True)
        value = _objective(theta, wins, reg)
        if np.abs(t[:, None] * step).max() < TOL:
            break
    return theta


def _with_votes(counts: PairCounts) -> NDArray[np.intp]:
    return np.flatnonzero(counts.votes.sum(axis=1) > 0)


def bt_scores(counts: PairCounts, *, reg: float = REG) -> NDArray[np.float64]:
    """Bradley–Terry log-strengths, mean 0 over the models with votes; NaN for a model without one.
    ``reg = 0`` is plain maximum likelihood, finite only when no group of models won (or lost)
    every vote against the rest."""
    scores = np.full(counts.n_models, np.nan)
    seen = _with_votes(counts)
    if seen.size:
        wins = counts.effective_wins()[np.ix_(seen, seen)]
        scores[seen] = _newton(wins[None], np.zeros((1, seen.size)), reg)[0]
    return scores


@dataclass(frozen=True)
class Ranking:
    """Bradley–Terry scores with 95% bootstrap intervals, per model index.

    ``scores``, ``ci_low``, ``ci_high``: log-strengths (mean 0 over models with votes; NaN without
    votes). ``elo``, ``elo_low``, ``elo_high``: the same on the Elo-like scale, one shift for the
    point estimate and its interval. ``votes``: votes each model took part in. Intervals are NaN
    when ``n_resamples`` is 0.
    """

    scores: NDArray[np.float64]
    ci_low: NDArray[np.float64]
    ci_high: NDArray[np.float64]
    elo: NDArray[np.float64]
    elo_low: NDArray[np.float64]
    elo_high: NDArray[np.float64]
    votes: NDArray[np.int64]
    n_votes: int
    n_resamples: int

    def order(self) -> NDArray[np.intp]:
        """Model indices, best first; models without votes last."""
        return np.argsort(np.where(np.isnan(self.scores), np.inf, -self.scores), kind="stable")


def _bootstrap(
    counts: PairCounts, seen: NDArray[np.intp], point: NDArray, n_resamples: int, seed: int, reg: float
) -> NDArray:
    """Scores of ``n_resamples`` resamples of the votes (B × len(seen)). Drawing every vote with
    replacement is one multinomial draw over the (pair, outcome) cells, so the cost follows the
    number of pairs, not of votes."""
    m = seen.size
    wins = counts.wins[np.ix_(seen, seen)]
    ties = np.triu(counts.ties[np.ix_(seen, seen)], 1)
    win_rows, win_cols = np.nonzero(wins)
    tie_rows, tie_cols = np.nonzero(ties)
    cells = np.concatenate([wins[win_rows, win_cols], ties[tie_rows, tie_cols]])
    total = int(cells.sum())
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(total, cells / total, size=n_resamples).astype(float)
    split = win_rows.size
    batch = max(1, BATCH_CELLS // (m * m))
    scores = np.empty((n_resamples, m))
    for start in range(0, n_resamples, batch):
        part = drawn[start : start + batch]
        effective = np.zeros((part.shape[0], m, m))
        effective[:, win_rows, win_cols] += part[:, :split]
        half = TIE_SHARE * part[:, split:]
        effective[:, tie_rows, tie_cols] += half
        effective[:, tie_cols, tie_rows] += half
        scores[start : start + batch] = _newton(effective, np.repeat(point[None], part.shape[0], axis=0), reg)
    return scores


def bradley_terry(
    counts: PairCounts,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    reg: float = REG,
    anchor: int | None = None,
    anchor_rating: float = ELO_BASE,
) -> Ranking:
    """Bradley–Terry scores with percentile bootstrap intervals (``n_resamples`` resamples of the
    votes, deterministic given ``seed``). Ties count as half a win to each side and both-bad votes as
    ties (see the module's docstring). Elo-like ratings put the mean at ``ELO_BASE``, or the
    ``anchor`` model at ``anchor_rating``."""
    n = counts.n_models
    scores = bt_scores(counts, reg=reg)
    ci_low, ci_high = np.full(n, np.nan), np.full(n, np.nan)
    seen = _with_votes(counts)
    if n_resamples and seen.size:
        resampled = _bootstrap(counts, seen, scores[seen], n_resamples, seed, reg)
        ci_low[seen], ci_high[seen] = np.percentile(resampled, [2.5, 97.5], axis=0)
    shift = ELO_BASE if anchor is None else anchor_rating - ELO_SCALE * scores[anchor]
    votes = counts.votes
    return Ranking(
        scores=scores,
        ci_low=ci_low,
        ci_high=ci_high,
        elo=shift + ELO_SCALE * scores,
        elo_low=shift + ELO_SCALE * ci_low,
        elo_high=shift + ELO_SCALE * ci_high,
        votes=votes.sum(axis=1),
        n_votes=int(votes.sum() // 2),
        n_resamples=n_resamples,
    )


def rank_groups(
    groups: Mapping[K, Votes],
    *,
    n_models: int,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    reg: float = REG,
) -> dict[K, Ranking]:
    """One ranking per group of votes: the caller splits them (by scenario or domain)."""
    return {
        key: bradley_terry(win_matrix(votes, n_models), n_resamples=n_resamples, seed=seed, reg=reg)
        for key, votes in groups.items()
    }


@dataclass(frozen=True)
class WinRates:
    """``rate[i, j]``: the share of decisive (non-tie) votes between i and j that i won, NaN with
    none; ``wins`` and ``decisive`` are the counts it rests on."""

    rate: NDArray[np.float64]
    wins: NDArray[np.int64]
    decisive: NDArray[np.int64]


def win_rates(counts: PairCounts) -> WinRates:
    decisive = counts.wins + counts.wins.T
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(decisive > 0, counts.wins / decisive, np.nan)
    return WinRates(rate=rate, wins=counts.wins, decisive=decisive)


def position_bias(votes: Votes) -> Estimate:
    """The share of decisive votes won by the answer shown on the left, with its Wilson interval;
    0.5 means no bias."""
    decisive = votes.outcome <= B_BETTER
    left_won = (votes.outcome == A_BETTER) == votes.a_left
    return proportion(int(np.count_nonzero(left_won & decisive)), int(np.count_nonzero(decisive)))


def pair_gains(counts: PairCounts, scores: NDArray[np.float64], *, reg: float = REG) -> NDArray[np.float64]:
    """For each pair of models, how much one more vote on it is expected to narrow the widest
    intervals (symmetric; 0 on the diagonal).

    The scores' covariance ``C`` is the inverse of the Fisher information (the fit's Hessian: each
    vote between i and j adds ``w = p(1 − p)`` along ``v = e_i − e_j``, ``p`` from the current
    scores). One more vote on (i, j) is a rank-one update, and Sherman–Morrison gives every model's
    variance reduction for every pair at once: ``w · (C v)_k² / (1 + w · vᵀ C v)``. The gain sums
    these over the models, each weighted by ``(var_k / max var)^FOCUS``: a ranking is only as sure
    as its least sure model, so the widest intervals come first, while what a vote teaches about
    the other models still counts (pure minimax, chasing one model, stalls when that model's
    opponents are themselves uncertain). The rule favours pairs with an uncertain model and close
    pairs, whose votes say most (``w`` is largest at p = ½): a lopsided or well-sampled pair gains
    little. Chatbot Arena samples pairs in proportion to the shrinkage of each pair's own interval;
    in simulations like benchmarks/pairwise.py's, it and an unweighted sum (A-optimal design) needed
    more votes than this rule before every interval reached its width. A model without votes counts
    as average (score 0)."""
    n = counts.n_models
    theta = np.nan_to_num(scores, nan=0.0)
    p = 0.5 + 0.5 * np.tanh(0.5 * (theta[:, None] - theta[None, :]))
    w = p * (1 - p)
    info_weight = counts.votes * w
    information = np.diag(info_weight.sum(axis=1) + 2 * reg) - info_weight
    centre = np.eye(n) - 1.0 / n
    # The scores have mean 0 whatever the votes: their covariance lives on that plane.
    cov = centre @ np.linalg.inv(information + 1.0 / n) @ centre
    variance = np.diag(cov)
    focus = (variance / variance.max()) ** FOCUS
    weighted = (cov * focus) @ cov
    along = np.diag(weighted)
    reduction = along[:, None] + along[None, :] - 2 * weighted
    spread = variance[:, None] + variance[None, :] - 2 * cov
    gains = w * reduction / (1 + w * spread)
    # Symmetric in exact arithmetic; rounding in the products differs in the last digit between
    # (i, j) and (j, i) on some CPUs, and the two must not rank differently.
    gains = 0.5 * (gains + gains.T)
    np.fill_diagonal(gains, 0.0)
    return gains


def next_pair(counts: PairCounts, scores: NDArray[np.float64], *, reg: float = REG) -> tuple[int, int]:
    """The pair to serve next: the one whose vote is expected to narrow the scores' intervals most
    (``pair_gains``); O(n³) for n models, well under a millisecond for 50."""
    gains = pair_gains(counts, scores, reg=reg)
    i, j = np.unravel_index(int(np.argmax(gains)), gains.shape)
    return int(i), int(j)


def majority_side(*, a: int, b: int, tie: int, both_bad: int) -> int | None:
    """The side a pair's votes prefer: ``A_BETTER`` or ``B_BETTER`` when that answer has more votes
    than the other and more than the tie and both-bad votes together; None when the two answers have
    as many votes, or the votes for neither are as many as the leader's (a pair the judges called
    alike, or both bad, says nothing about which to prefer)."""
    leader, runner_up = (a, b) if a >= b else (b, a)
    if leader == runner_up or leader <= tie + both_bad:
        return None
    return A_BETTER if a > b else B_BETTER
