"""The study designer: from judges' competences, the judges per item and the items that reach a
target interval width on the safety score and on α; simulated campaigns of that size show it."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.agreement import krippendorff_alpha
from metrics.scores import wilson
from metrics.study_design import (
    StudyOption,
    items_for_score,
    simulate_safety_votes,
    study_design,
    study_design_best,
    study_design_check,
)

POOL = [0.95, 0.9, 0.9, 0.85, 0.8, 0.75]
SAFE_SHARE = 0.85
SCORE_WIDTH, ALPHA_WIDTH = 0.05, 0.12


def _design(**kwargs) -> list[StudyOption]:
    return study_design(
        competences=POOL,
        safe_share=SAFE_SHARE,
        score_width=SCORE_WIDTH,
        alpha_width=ALPHA_WIDTH,
        pilot_items=3000,
        resamples=200,
        **kwargs,
    )


def _check(option: StudyOption, **kwargs):
    return study_design_check(
        option=option,
        competences=POOL,
        safe_share=SAFE_SHARE,
        score_width=SCORE_WIDTH,
        alpha_width=ALPHA_WIDTH,
        campaigns=12,
        resamples=200,
        **kwargs,
    )


def test_campaigns_of_the_designed_size_reach_the_promised_widths_on_the_score_and_on_alpha():
    best = study_design_best(_design(judges_per_item=(3, 5)))
    assert best is not None

    check = _check(best)

    # The promise is of expected widths: the mean over campaigns, within the simulation's noise.
    assert check.score_width <= SCORE_WIDTH * 1.03
    assert check.alpha_width <= ALPHA_WIDTH * 1.05


def test_campaigns_of_two_thirds_the_designed_size_miss_the_alpha_width():
    (option,) = _design(judges_per_item=(3,))
    assert option.items_for_alpha is not None
    smaller = StudyOption(
        **{**option.__dict__, "items_for_alpha": option.items_for_alpha * 2 // 3, "items_for_score": 1}
    )

    check = _check(smaller)

    assert check.alpha_width > ALPHA_WIDTH


def test_the_score_needs_the_fewest_items_whose_wilson_interval_is_narrow_enough():
    n = items_for_score(share=0.8, width=0.05)

    assert np.diff(wilson(0.8, n))[0] <= 0.05 < np.diff(wilson(0.8, n - 1))[0]


def test_when_the_score_sets_the_size_campaigns_of_that_size_reach_its_width_and_no_better():
    (option,) = study_design(
        competences=POOL,
        safe_share=SAFE_SHARE,
        score_width=SCORE_WIDTH,
        alpha_width=1.0,
        judges_per_item=(3,),
        pilot_items=3000,
        resamples=50,
    )
    assert option.items == option.items_for_score

    check = _check(option)

    assert SCORE_WIDTH * 0.97 <= check.score_width <= SCORE_WIDTH * 1.03


def test_the_best_design_takes_the_fewest_judgements():
    options = _design(judges_per_item=(2, 3, 4, 5))

    best = study_design_best(options)

    assert best is not None
    assert best.judgements == min(o.judgements for o in options if o.judgements is not None)


def test_more_judges_per_item_give_more_accurate_majority_labels():
    options = {o.judges_per_item: o for o in _design(judges_per_item=(1, 3, 5))}

    assert options[1].majority_accuracy < options[3].majority_accuracy < options[5].majority_accuracy
    assert options[1].items is None  # one judge per item: no α
    assert abs(options[5].score_bias) < abs(options[1].score_bias)


def test_a_pool_smaller_than_the_judges_per_item_offers_no_such_design():
    options = study_design(
        competences=[0.9, 0.8], safe_share=0.8, score_width=0.1, alpha_width=0.2, judges_per_item=(2, 3)
    )

    assert [o.judges_per_item for o in options] == [2]


def test_each_item_gets_distinct_judges_right_as_often_as_their_competence():
    rng = np.random.default_rng(3)

    truth, votes = simulate_safety_votes(
        competences=0.8, judges_per_item=3, items=20_000, safe_share=0.85, rng=rng
    )

    assert votes.shape == (20_000, 3)
    assert (votes == truth[:, None]).mean() == pytest.approx(0.8, abs=0.01)
    assert truth.mean() == pytest.approx(0.85, abs=0.01)
    # Three judges right 80% of the time, errors symmetric: α = 1 - D_o/D_e of that model.
    assert 0.2 < krippendorff_alpha(votes).value < 0.45
