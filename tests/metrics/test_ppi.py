"""metrics/ppi.py: PPI++ means equal ppi-python's (the test-only oracle) to 1e-6, and keep the
properties the method promises."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from metrics.ppi import (
    judge_mean,
    people_mean,
    ppi_lambda,
    ppi_mean,
    prediction_powered,
    prediction_powered_by_group,
)

# ppi_py silences every warning of the process when imported (warnings.simplefilter("ignore")):
# keep that to the import, so the rest of the suite still sees its warnings.
with warnings.catch_warnings():
    from ppi_py import classical_mean_ci, ppi_mean_ci, ppi_mean_pointestimate

TOLERANCE = 1e-6


def _binary(seed: int, n: int, big_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random(n + big_n) < 0.85
    judge = np.where(rng.random(n + big_n) < 0.85, truth, rng.random(n + big_n) < 0.9)
    people = np.where(rng.random(n) < 0.95, truth[:n], ~truth[:n])
    return people.astype(float), judge[:n].astype(float), judge[n:].astype(float)


def _scores(seed: int, n: int, big_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 11, n + big_n).astype(float)
    judge = np.clip(np.round(truth + rng.normal(1.0, 2.0, n + big_n)), 1, 10)
    people = np.clip(np.round(truth[:n] + rng.normal(0.0, 1.0, n)), 1, 10)
    return people, judge[:n], judge[n:]


@pytest.mark.parametrize("make", [_binary, _scores])
@pytest.mark.parametrize(
    ("seed", "n", "big_n"), [(0, 500, 4500), (1, 40, 3000), (2, 300, 150), (3, 2000, 98000)]
)
def test_the_power_tuned_estimate_and_interval_equal_ppi_pythons(make, seed, n, big_n):
    y, yhat, yhat_u = make(seed, n, big_n)

    ours = ppi_mean(y=y, yhat=yhat, yhat_unlabelled=yhat_u)
    low, high = ppi_mean_ci(y, yhat, yhat_u, alpha=0.05)

    assert ours.value == pytest.approx(float(ppi_mean_pointestimate(y, yhat, yhat_u)[0]), abs=TOLERANCE)
    assert ours.ci_low == pytest.approx(float(low[0]), abs=TOLERANCE)
    assert ours.ci_high == pytest.approx(float(high[0]), abs=TOLERANCE)


@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0])
def test_a_fixed_lambda_gives_ppi_pythons_estimate_and_interval_for_that_lambda(lam):
    y, yhat, yhat_u = _binary(4, 400, 3600)

    ours = ppi_mean(y=y, yhat=yhat, yhat_unlabelled=yhat_u, lam=lam, confidence=0.9)
    low, high = ppi_mean_ci(y, yhat, yhat_u, alpha=0.1, lam=lam)

    assert ours.value == pytest.approx(
        float(ppi_mean_pointestimate(y, yhat, yhat_u, lam=lam)[0]), abs=TOLERANCE
    )
    assert (ours.ci_low, ours.ci_high) == pytest.approx((float(low[0]), float(high[0])), abs=TOLERANCE)


def test_the_people_only_interval_is_ppi_pythons_classical_one():
    y, _, _ = _scores(5, 250, 10)

    ours = people_mean(y=y)
    low, high = classical_mean_ci(y, alpha=0.05)

    assert ours.value == pytest.approx(y.mean())
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high), abs=TOLERANCE)


def test_the_three_estimates_are_reported_side_by_side_with_the_lambda_used():
    y, yhat, yhat_u = _binary(6, 500, 4500)

    result = prediction_powered(y=y, yhat=yhat, yhat_unlabelled=yhat_u)

    assert result.lam == pytest.approx(ppi_lambda(y=y, yhat=yhat, yhat_unlabelled=yhat_u))
    assert result.ppi == ppi_mean(y=y, yhat=yhat, yhat_unlabelled=yhat_u)
    assert result.people == people_mean(y=y)
    assert result.judge == judge_mean(yhat_all=np.concatenate([yhat, yhat_u]))
    assert (result.labelled, result.unlabelled, result.ppi.n) == (500, 4500, 5000)


def test_per_group_figures_are_each_groups_own_estimate():
    y, yhat, yhat_u = _binary(7, 300, 2700)
    groups = ["a", "b", "c"] * 100
    groups_u = ["b", "c", "a"] * 900

    by_group = prediction_powered_by_group(
        groups=groups, y=y, yhat=yhat, groups_unlabelled=groups_u, yhat_unlabelled=yhat_u
    )

    assert list(by_group) == ["a", "b", "c"]
    for g in by_group:
        labelled = np.asarray(groups) == g
        unlabelled = np.asarray(groups_u) == g
        alone = prediction_powered(y=y[labelled], yhat=yhat[labelled], yhat_unlabelled=yhat_u[unlabelled])
        assert by_group[g] == alone


def test_a_group_with_no_human_label_has_no_ppi_figure_but_keeps_its_judge_one():
    by_group = prediction_powered_by_group(
        groups=["a", "a"], y=[1, 0], yhat=[1, 1], groups_unlabelled=["a", "z"], yhat_unlabelled=[1, 0]
    )

    assert math.isnan(by_group["z"].ppi.value)
    assert math.isnan(by_group["z"].people.value)
    assert by_group["z"].judge.value == 0.0


def test_a_judge_that_gives_every_item_the_same_label_gets_lambda_zero_and_the_people_only_figure():
    y = np.array([1.0, 0.0, 1.0, 1.0])

    result = prediction_powered(y=y, yhat=np.ones(4), yhat_unlabelled=np.ones(100))

    assert result.lam == 0.0
    assert (result.ppi.value, result.ppi.ci_low) == pytest.approx((result.people.value, result.people.ci_low))


def test_with_every_item_labelled_the_estimate_is_the_people_only_one():
    y, yhat, _ = _binary(8, 200, 0)

    result = prediction_powered(y=y, yhat=yhat, yhat_unlabelled=[])

    assert result.lam == 0.0
    assert result.ppi.ci_high == pytest.approx(result.people.ci_high)


def test_labels_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        ppi_mean(y=[1, 0, 1], yhat=[1, 0], yhat_unlabelled=[1])


def test_a_missing_label_is_refused_rather_than_averaged():
    with pytest.raises(ValueError, match="finite"):
        ppi_mean(y=[1, math.nan], yhat=[1, 0], yhat_unlabelled=[1])


labels = st.lists(st.sampled_from([0.0, 1.0]), min_size=2, max_size=60)
scores = st.lists(st.floats(1, 10, allow_nan=False), min_size=2, max_size=60)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), kind=st.sampled_from([labels, scores]))
def test_lambda_lies_in_zero_one_and_the_interval_holds_the_estimate(data, kind):
    y = data.draw(kind)
    yhat = data.draw(st.lists(st.floats(0, 10, allow_nan=False), min_size=len(y), max_size=len(y)))
    yhat_u = data.draw(st.lists(st.floats(0, 10, allow_nan=False), min_size=0, max_size=80))

    lam = ppi_lambda(y=y, yhat=yhat, yhat_unlabelled=yhat_u)
    estimate = ppi_mean(y=y, yhat=yhat, yhat_unlabelled=yhat_u)

    assert 0.0 <= lam <= 1.0
    assert estimate.ci_low <= estimate.value <= estimate.ci_high


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rate=st.floats(0.05, 0.95),
    n=st.integers(30, 300),
    more=st.integers(0, 3000),
    binary=st.booleans(),
)
def test_with_a_perfect_judge_the_interval_is_narrower_than_people_only(seed, rate, n, more, binary):
    rng = np.random.default_rng(seed)
    items = n + n + more
    truth = (rng.random(items) < rate).astype(float) if binary else rng.integers(1, 11, items).astype(float)
    y = truth[:n]
    assume(y.std() > 0)

    result = prediction_powered(y=y, yhat=y, yhat_unlabelled=truth[n:])

    assert result.ppi.ci_high - result.ppi.ci_low < result.people.ci_high - result.people.ci_low
