"""metrics.paired against its oracles: scipy's binomial and Wilcoxon tests, statsmodels' Holm."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest, wilcoxon
from statsmodels.stats.multitest import multipletests

from metrics.paired import holm, mcnemar_exact, paired_bootstrap_mean, wilcoxon_signed_rank
from metrics.scores import mean


@given(b=st.integers(0, 300), c=st.integers(0, 300))
def test_mcnemar_is_scipys_exact_binomial_test_on_the_discordant_pairs(b, c):
    expected = binomtest(b, b + c, 0.5).pvalue if b + c else 1.0

    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_mcnemar_of_a_known_table():
    # 10 prompts went one way, 2 the other: 2 * P(X <= 2 | n = 12) = 2 * 79 / 4096.
    assert mcnemar_exact(10, 2) == pytest.approx(158 / 4096)


def test_mcnemar_stays_exact_on_thousands_of_discordant_pairs():
    p = mcnemar_exact(2600, 2400)

    assert p == pytest.approx(binomtest(2400, 5000, 0.5).pvalue, rel=1e-9)


def test_mcnemar_refuses_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        mcnemar_exact(-1, 3)


# statsmodels takes tens of milliseconds per call: few examples, each a whole family.
@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=12))
def test_holm_matches_statsmodels(p_values):
    expected = multipletests(p_values, method="holm")[1]

    assert holm(p_values) == pytest.approx(list(expected), abs=1e-12)


def test_holm_keeps_the_order_and_is_monotone_in_the_raw_p_values():
    adjusted = holm([0.04, 0.01, 0.03, 0.5])

    assert adjusted == pytest.approx([0.09, 0.04, 0.09, 0.5])
    raw = [0.04, 0.01, 0.03, 0.5]
    by_raw = [a for _, a in sorted(zip(raw, adjusted, strict=True))]
    assert by_raw == sorted(by_raw)


def test_holm_leaves_missing_tests_out_of_the_family():
    assert holm([0.01, None, math.nan, 0.04]) == [pytest.approx(0.02), None, None, pytest.approx(0.04)]


def _scipy_wilcoxon(differences):
    return wilcoxon(np.asarray(differences, dtype=float))


def _random_differences(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "continuous":
        return rng.normal(0.3, 1.0, n)
    if kind == "ties":
        # Scores 1-10 of two models: many equal absolute differences, and zeros.
        return (rng.integers(1, 11, n) - rng.integers(1, 11, n)).astype(float)
    # Mostly zeros, as two close models' scores on the same prompts.
    return rng.choice([0.0, 0.0, 0.0, 1.0, -1.0, 2.0, -0.5], n)


@pytest.mark.parametrize("kind", ["continuous", "ties", "zeros"])
@pytest.mark.parametrize("n", [1, 2, 5, 9, 13, 14, 20, 35, 50, 51, 80, 300])
def test_wilcoxon_matches_scipy_on_random_data(kind, n):
    rng = np.random.default_rng(n * 31 + len(kind))
    # scipy enumerates up to 2^13 sign assignments slowly, one statistic each: fewer draws there.
    for _ in range(4 if 8 < n <= 13 else 12):
        differences = _random_differences(rng, n, kind)
        if not np.any(differences):
            continue
        ours = wilcoxon_signed_rank(differences)
        theirs = _scipy_wilcoxon(differences)

        assert ours.p_value == pytest.approx(float(theirs.pvalue), rel=1e-9, abs=1e-12), (kind, n)
        assert ours.statistic == pytest.approx(float(theirs.statistic))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-4, 4).map(float), min_size=1, max_size=70))
def test_wilcoxon_matches_scipy_on_small_integer_differences(differences):
    if not any(differences):
        return
    assert wilcoxon_signed_rank(differences).p_value == pytest.approx(
        float(_scipy_wilcoxon(differences).pvalue), rel=1e-9, abs=1e-12
    )


@pytest.mark.parametrize(
    ("differences", "method"),
    [
        ([1.5, -0.2, 3.1, 2.2, 0.7], "exact"),
        ([1.0, -1.0, 2.0, 3.0, 0.0], "permutation"),
        ([*map(float, range(1, 41)), -3.0], "normal"),
        (list(np.linspace(0.1, 5, 60)), "normal"),
    ],
)
def test_wilcoxon_picks_the_method_scipy_picks(differences, method):
    assert wilcoxon_signed_rank(differences).method == method


def test_wilcoxon_without_any_change_gives_p_one():
    result = wilcoxon_signed_rank([0.0] * 30)

    assert result.p_value == 1.0
    assert result.n == 0


def test_wilcoxon_counts_only_nonzero_differences():
    assert wilcoxon_signed_rank([0.0, 0.0, 1.0, 2.0, -3.0]).n == 3


def test_wilcoxon_refuses_no_differences():
    with pytest.raises(ValueError, match="non-empty"):
        wilcoxon_signed_rank([])


def test_the_paired_bootstrap_is_the_mean_of_the_differences_with_its_interval():
    differences = [1.0, 2.0, -1.0, 0.5, 3.0, 0.0, 1.5]

    estimate = paired_bootstrap_mean(differences, seed=4)

    assert estimate == mean(differences, seed=4)
    assert estimate.value == pytest.approx(1.0)
    assert estimate.ci_low < estimate.value < estimate.ci_high
