"""The overall estimate of a sample drawn per stratum (scenario or domain): each stratum weighed by
its share of the items, not of the sample (``stratified_mean``, ``prediction_powered_stratified``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.ppi import (
    prediction_powered,
    prediction_powered_by_group,
    prediction_powered_stratified,
    stratified_mean,
    z_value,
)
from metrics.scores import Estimate


def test_strata_are_weighed_by_their_items_and_their_variances_by_the_squared_weights():
    z = z_value(0.95)
    large = Estimate(0.9, 1000, 0.9 - 0.1, 0.9 + 0.1)
    small = Estimate(0.1, 20, 0.1 - 0.2, 0.1 + 0.2)

    overall = stratified_mean(parts=[(large, 1000), (small, 20)])

    assert overall.value == pytest.approx((1000 * 0.9 + 20 * 0.1) / 1020)
    half = z * math.sqrt((1000 / 1020) ** 2 * (0.1 / z) ** 2 + (20 / 1020) ** 2 * (0.2 / z) ** 2)
    assert (overall.ci_low, overall.ci_high) == pytest.approx((overall.value - half, overall.value + half))
    assert overall.n == 1020


def test_a_stratum_without_an_estimate_leaves_the_overall_one_undefined():
    overall = stratified_mean(
        parts=[(Estimate(0.9, 10, 0.8, 1.0), 10), (Estimate(math.nan, 5, math.nan, math.nan), 5)]
    )

    assert math.isnan(overall.value)


def _campaign(rng: np.random.Generator, sizes: dict[str, tuple[int, float]], per_stratum: int):
    """People's labels of every item (the estimand is their mean), a judge right 85% of the time,
    and ``per_stratum`` items of each stratum drawn for people."""
    groups, y, yhat, groups_u, yhat_u, everyone = [], [], [], [], [], []
    for name, (size, safe) in sizes.items():
        people = (rng.random(size) < safe).astype(float)
        judge = np.where(rng.random(size) < 0.85, people, 1 - people)
        drawn = np.zeros(size, dtype=bool)
        drawn[rng.choice(size, per_stratum, replace=False)] = True
        groups += [name] * per_stratum
        y += list(people[drawn])
        yhat += list(judge[drawn])
        groups_u += [name] * int((~drawn).sum())
        yhat_u += list(judge[~drawn])
        everyone += list(people)
    return groups, np.asarray(y), np.asarray(yhat), groups_u, np.asarray(yhat_u), float(np.mean(everyone))


def test_a_stratified_sample_is_estimated_without_bias_and_its_interval_covers_the_mean():
    # A large, mostly safe scenario and a small, mostly unsafe one, 150 labels in each (enough for
    # the CLT intervals of each stratum).
    rng = np.random.default_rng(28)
    sizes = {"large": (3000, 0.85), "small": (600, 0.2)}
    errors, pooled_errors, covered = [], [], 0
    for _ in range(1000):
        groups, y, yhat, groups_u, yhat_u, truth = _campaign(rng, sizes, 150)
        by_group = prediction_powered_by_group(
            groups=groups, y=y, yhat=yhat, groups_unlabelled=groups_u, yhat_unlabelled=yhat_u
        )
        overall = prediction_powered_stratified(by_group=by_group, yhat_all=np.concatenate([yhat, yhat_u]))
        pooled = prediction_powered(y=y, yhat=yhat, yhat_unlabelled=yhat_u)
        errors.append(overall.ppi.value - truth)
        pooled_errors.append(pooled.people.value - truth)
        covered += overall.ppi.ci_low <= truth <= overall.ppi.ci_high

    assert abs(np.mean(errors)) < 0.005
    assert 0.93 <= covered / 1000 <= 0.975
    # Pooled as one uniform sample, the small scenario counts half: about 0.52 for a mean near 0.74.
    assert np.mean(pooled_errors) < -0.2
