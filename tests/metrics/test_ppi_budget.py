"""The label budget planner: how many people's labels reach a half-width with a judge (PPI++) and
without; its promise is checked by simulating campaigns of the size it names."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.ppi import (
    JudgeMoments,
    judge_moments,
    judge_moments_binary,
    labels_needed,
    people_mean,
    ppi_mean,
    ppi_variance,
)
from metrics.scores import Z_95
from tests.metrics.ppi_support import labelled_mask, simulate_labels

ITEMS = 5000
HALF_WIDTH = 0.02
MODEL = {"true_rate": 0.85, "judge_accuracy": 0.92, "judge_safe_bias": 0.5, "people_accuracy": 0.95}


def _measured_moments() -> JudgeMoments:
    """The judge's agreement with people as an earlier campaign would have measured it."""
    earlier = simulate_labels(campaigns=1, items=200_000, seed=99, **MODEL)
    people, judge = earlier.people[0].astype(int), earlier.judge[0].astype(int)
    confusion = np.zeros((2, 2))
    np.add.at(confusion, (people, judge), 1)
    return judge_moments_binary(confusion=confusion)


def _mean_half_widths(labelled: int, campaigns: int = 300) -> tuple[float, float]:
    sim = simulate_labels(campaigns=campaigns, items=ITEMS, seed=labelled, **MODEL)
    mask = labelled_mask(campaigns=campaigns, items=ITEMS, labelled=labelled, seed=labelled + 1)
    ppi, people = [], []
    for c in range(campaigns):
        m = mask[c]
        estimate = ppi_mean(y=sim.people[c][m], yhat=sim.judge[c][m], yhat_unlabelled=sim.judge[c][~m])
        ppi.append((estimate.ci_high - estimate.ci_low) / 2)
        alone = people_mean(y=sim.people[c][m])
        people.append((alone.ci_high - alone.ci_low) / 2)
    return float(np.mean(ppi)), float(np.mean(people))


def test_campaigns_with_the_planned_number_of_labels_reach_the_half_width_with_and_without_a_judge():
    budget = labels_needed(half_width=HALF_WIDTH, moments=_measured_moments(), items=ITEMS)
    assert budget.with_judge is not None
    assert budget.without_judge is not None
    assert budget.with_judge < 0.8 * budget.without_judge

    ppi_width, _ = _mean_half_widths(budget.with_judge)
    _, people_width = _mean_half_widths(budget.without_judge)

    assert HALF_WIDTH * 0.97 < ppi_width <= HALF_WIDTH * 1.02
    assert HALF_WIDTH * 0.97 < people_width <= HALF_WIDTH * 1.02


def test_fewer_labels_than_planned_miss_the_half_width():
    budget = labels_needed(half_width=HALF_WIDTH, moments=_measured_moments(), items=ITEMS)
    assert budget.with_judge is not None

    ppi_width, _ = _mean_half_widths(int(budget.with_judge * 0.85))

    assert ppi_width > HALF_WIDTH


def test_with_lambda_inside_zero_one_the_count_is_the_closed_form_one():
    moments = JudgeMoments(var_y=0.1275, var_yhat=0.14, cov=0.08)
    h, big_n = 0.025, 4000

    budget = labels_needed(half_width=h, moments=moments, unlabelled=big_n)

    # z² (σ²/n)(1 − ρ² N/(N + n)) ≤ h², a quadratic in n: t n² + (t N − σ²) n − σ²(1 − ρ²) N ≥ 0.
    t, s2, rho2 = (h / Z_95) ** 2, moments.var_y, moments.correlation**2
    b = t * big_n - s2
    closed = math.ceil((-b + math.sqrt(b * b + 4 * t * s2 * (1 - rho2) * big_n)) / (2 * t))
    assert 0 < budget.lam < 1
    assert budget.with_judge == closed
    assert budget.without_judge == math.ceil(s2 / t)


def test_a_judge_unrelated_to_people_saves_no_label():
    moments = JudgeMoments(var_y=0.2, var_yhat=0.2, cov=0.0)

    budget = labels_needed(half_width=0.03, moments=moments, unlabelled=10_000)

    assert budget.with_judge == budget.without_judge
    assert budget.lam == 0.0


def test_a_target_beyond_reach_of_every_item_has_no_count():
    moments = JudgeMoments(var_y=0.25, var_yhat=0.25, cov=0.2)

    budget = labels_needed(half_width=0.001, moments=moments, items=1000)

    assert budget.with_judge is None
    assert budget.without_judge is None


def test_the_planned_half_width_is_the_one_the_variance_formula_gives_at_that_count():
    moments = JudgeMoments(var_y=0.1275, var_yhat=0.1, cov=0.09)

    budget = labels_needed(half_width=0.03, moments=moments, unlabelled=2000)
    assert budget.with_judge is not None
    variance, lam = ppi_variance(moments=moments, labelled=budget.with_judge, unlabelled=2000)
    before, _ = ppi_variance(moments=moments, labelled=budget.with_judge - 1, unlabelled=2000)

    assert budget.half_width_with_judge == pytest.approx(Z_95 * math.sqrt(variance))
    assert budget.lam == pytest.approx(lam)
    assert Z_95 * math.sqrt(before) > 0.03


def test_moments_from_a_confusion_table_equal_those_of_the_labels_it_counts():
    people = np.array([0] * 12 + [0] * 3 + [1] * 5 + [1] * 80, dtype=float)
    judge = np.array([0] * 12 + [1] * 3 + [0] * 5 + [1] * 80, dtype=float)

    from_table = judge_moments_binary(confusion=[[12, 3], [5, 80]])

    from_labels = judge_moments(y=people, yhat=judge)
    assert (from_table.var_y, from_table.var_yhat, from_table.cov) == pytest.approx(
        (from_labels.var_y, from_labels.var_yhat, from_labels.cov)
    )


def test_a_planner_needs_one_item_count():
    with pytest.raises(ValueError, match="either"):
        labels_needed(half_width=0.03, moments=JudgeMoments(0.2, 0.2, 0.1), items=100, unlabelled=100)
