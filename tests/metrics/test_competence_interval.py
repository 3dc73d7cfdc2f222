"""A judge's competence carries a 95% interval, and a judge is below a bar only when the whole
interval is: early on, a careful judge's point estimate wanders far below their true competence."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.reliability import JudgeCompetence, balanced_competence, dawid_skene
from metrics.scores import Estimate, below_bar, proportion, wilson

BAR = 0.7
MIN_JUDGEMENTS = 20
CAREFUL, CLICKER, ALWAYS_SAFE, CONTRARIAN = "careful", "clicker", "always_safe", "contrarian"
CROWD = [CAREFUL] * 8 + [CLICKER] * 2 + [ALWAYS_SAFE, CONTRARIAN]


def _answer(kind: str, truth: bool, rng: random.Random) -> bool:
    if kind == CAREFUL:
        return truth if rng.random() < 0.9 else not truth
    if kind == CLICKER:
        return rng.random() < 0.5
    if kind == ALWAYS_SAFE:
        return True
    return truth if rng.random() < 0.2 else not truth


def _crowd(seed: int, items: int = 240, every: int = 5):
    """Three judges of the crowd per item, 60% of items safe; every ``every`` items, each careful
    judge's competence as a reviewer would read it then. Returns those readings and the last fit."""
    rng = random.Random(seed)
    triples: list[tuple[int, int, bool]] = []
    readings: list[Estimate] = []
    for item in range(items):
        truth = rng.random() < 0.6
        for judge in rng.sample(range(len(CROWD)), 3):
            triples.append((item, judge, _answer(CROWD[judge], truth, rng)))
        if item % every == every - 1:
            for judge, estimate in dawid_skene(triples).judges.items():
                if CROWD[judge] == CAREFUL and estimate.judgements >= MIN_JUDGEMENTS:
                    readings.append(balanced_competence(estimate))
    return readings, dawid_skene(triples)


@pytest.mark.parametrize("seed", [2, 11])
def test_a_careful_judge_whose_early_figure_dips_below_the_bar_is_never_below_it(seed):
    readings, _fit = _crowd(seed)

    dipped = [r for r in readings if r.value < BAR]
    assert dipped, "the crowd must reproduce the dip the interval guards against"
    assert not [r for r in readings if below_bar(r, BAR, min_n=MIN_JUDGEMENTS)]


@pytest.mark.parametrize("seed", [2, 11])
def test_a_judge_who_calls_everything_safe_and_a_contrarian_end_below_the_bar(seed):
    _readings, fit = _crowd(seed)

    flagged = {
        CROWD[judge]
        for judge, estimate in fit.judges.items()
        if below_bar(balanced_competence(estimate), BAR, min_n=MIN_JUDGEMENTS)
    }

    assert {ALWAYS_SAFE, CONTRARIAN} <= flagged
    assert CAREFUL not in flagged


def test_a_low_point_estimate_on_24_judgements_has_an_interval_that_reaches_the_bar():
    judge = JudgeCompetence(
        judge="careful",
        judgements=24,
        accuracy=0.5,
        recall={False: 0.3, True: 0.66},
        by_truth={False: 9, True: 15},
    )

    estimate = balanced_competence(judge)

    assert estimate.value == pytest.approx(0.48)
    assert estimate.n == 24
    assert estimate.ci_high > BAR
    assert not below_bar(estimate, BAR, min_n=MIN_JUDGEMENTS)


def test_the_interval_averages_the_wilson_bounds_of_each_recall():
    judge = JudgeCompetence(
        judge=1, judgements=100, accuracy=0.9, recall={False: 0.8, True: 1.0}, by_truth={False: 40, True: 60}
    )

    estimate = balanced_competence(judge)

    unsafe, safe = proportion(32, 40), proportion(60, 60)
    assert estimate.value == pytest.approx(0.9)
    assert estimate.ci_low == pytest.approx((unsafe.ci_low + safe.ci_low) / 2)
    assert estimate.ci_high == pytest.approx((unsafe.ci_high + safe.ci_high) / 2)


def test_an_estimate_without_recalls_has_no_competence():
    assert balanced_competence(JudgeCompetence(judge=1, judgements=5, accuracy=0.8, competence=0.7)) is None


def test_dawid_skene_spreads_each_judges_judgements_over_the_truths():
    triples = [(i, j, (i + (j == 2)) % 2 == 0) for i in range(30) for j in range(3)]

    fit = dawid_skene(triples)

    for estimate in fit.judges.values():
        assert sum(estimate.by_truth.values()) == pytest.approx(estimate.judgements)


@given(
    recall=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    counts=st.tuples(st.floats(0, 500), st.floats(0, 500)),
)
def test_the_interval_holds_the_figure_and_stays_between_zero_and_one(recall, counts):
    judge = JudgeCompetence(
        judge=1,
        judgements=round(sum(counts)),
        accuracy=0.0,
        recall={False: recall[0], True: recall[1]},
        by_truth={False: counts[0], True: counts[1]},
    )

    estimate = balanced_competence(judge)

    assert 0.0 <= estimate.ci_low <= estimate.value + 1e-12
    assert estimate.value - 1e-12 <= estimate.ci_high <= 1.0


@given(p=st.floats(0, 1), n=st.integers(1, 400))
def test_more_judgements_never_widen_the_interval(p, n):
    low, high = wilson(p, n)
    low_more, high_more = wilson(p, 4 * n)

    assert high_more - low_more <= high - low + 1e-12


def test_no_trial_says_nothing():
    assert wilson(0.5, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("estimate", "flagged"),
    [
        (Estimate(0.5, 100, 0.4, 0.6), True),
        (Estimate(0.5, 100, 0.4, 0.75), False),
        (Estimate(0.1, 19, 0.0, 0.3), False),  # too few to say, whatever the interval
        (Estimate(math.nan, 0, math.nan, math.nan), False),
        (None, False),
    ],
)
def test_a_share_is_below_the_bar_only_when_its_whole_interval_is_on_enough_observations(estimate, flagged):
    assert below_bar(estimate, BAR, min_n=MIN_JUDGEMENTS) is flagged
