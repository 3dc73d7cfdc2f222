from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from metrics.agreement import (
    Agreement,
    bootstrap_ci,
    cohen_kappa,
    cohen_kappa_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    reliability_matrix,
    weighted_kappa,
    with_bootstrap_ci,
)

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers × 12 units
# example with missing values; rows here are units, columns observers A-D.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
).T

# Fleiss' κ worked example (Wikipedia "Fleiss' kappa", also in statsmodels' tests): 10 subjects,
# 14 raters, 5 categories, given as counts per category; κ = 0.210.
FLEISS_COUNTS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def counts_to_matrix(counts: np.ndarray) -> np.ndarray:
    return np.array([np.repeat(np.arange(counts.shape[1]), row) for row in counts], dtype=float)


def noisy_ratings(seed: int, items: int, judges: int, categories: int, missing: float) -> np.ndarray:
    """Judges who mostly copy a true label, so the coefficients are far from 0 and from 1."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, categories, items)
    m = np.where(
        rng.random((items, judges)) < 0.6, truth[:, None], rng.integers(0, categories, (items, judges))
    )
    m = m.astype(float)
    m[rng.random(m.shape) < missing] = nan
    return m


@st.composite
def matrices(draw, min_items=2, max_items=25, max_judges=5, categories=3, missing=True):
    items = draw(st.integers(min_items, max_items))
    judges = draw(st.integers(2, max_judges))
    values = st.sampled_from([*range(categories), nan] if missing else range(categories))
    cells = draw(st.lists(values, min_size=items * judges, max_size=items * judges))
    return np.array(cells, dtype=float).reshape(items, judges)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# Worked examples


def test_alpha_matches_krippendorffs_2011_worked_example_with_missing_values():
    nominal = krippendorff_alpha(KRIPPENDORFF_2011, level="nominal")

    assert nominal.value == pytest.approx(0.743, abs=5e-4)
    # Unit 12 has a single value, so it is not pairable: 11 units, 40 values.
    assert (nominal.items, nominal.judges, nominal.pairable_values) == (11, 4, 40)
    assert krippendorff_alpha(KRIPPENDORFF_2011, level="ordinal").value == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(KRIPPENDORFF_2011, level="interval").value == pytest.approx(0.849, abs=5e-4)


def test_fleiss_kappa_matches_the_published_worked_example_and_statsmodels():
    result = fleiss_kappa(counts_to_matrix(FLEISS_COUNTS))

    assert result.value == pytest.approx(0.210, abs=5e-4)
    assert result.value == pytest.approx(sm_fleiss_kappa(FLEISS_COUNTS, method="fleiss"))
    assert (result.items, result.judges, result.pairable_values) == (10, 14, 140)


def test_ac1_stays_high_where_kappa_collapses_in_gwets_high_agreement_example():
    # Gwet (2008): two raters, 118 (+,+), 5 (+,-), 2 (-,+), 0 (-,-). p_a = 0.944, π+ = 0.972,
    # p_e = 2 · 0.972 · 0.028, AC1 = (0.944 − p_e) / (1 − p_e) ≈ 0.9408 while κ ≈ −0.023.
    pairs = [(1, 1)] * 118 + [(1, 0)] * 5 + [(0, 1)] * 2
    m = np.array(pairs, dtype=float)
    p_e = 2 * 0.972 * 0.028

    assert gwet_ac1(m).value == pytest.approx((0.944 - p_e) / (1 - p_e))
    assert cohen_kappa(m[:, 0], m[:, 1]).value == pytest.approx(-0.0234, abs=1e-4)


# Oracles


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", range(6))
def test_alpha_equals_the_krippendorff_package_on_random_matrices_with_missing_values(level, seed):
    m = noisy_ratings(seed, items=40 + 10 * seed, judges=2 + seed % 4, categories=10, missing=0.2)
    m[0, :] = nan  # an item nobody judged must change nothing

    expected = krippendorff.alpha(reliability_data=m.T, level_of_measurement=level)

    assert krippendorff_alpha(m, level=level).value == pytest.approx(expected, rel=1e-9)


def test_interval_alpha_handles_continuous_values_like_the_krippendorff_package():
    rng = np.random.default_rng(7)
    m = rng.normal(size=(30, 1)) + rng.normal(scale=0.5, size=(30, 4)) + 1e6
    m[rng.random(m.shape) < 0.1] = nan

    expected = krippendorff.alpha(reliability_data=m.T, level_of_measurement="interval")

    assert krippendorff_alpha(m, level="interval").value == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_kappa_equals_statsmodels_on_random_complete_matrices(seed):
    m = noisy_ratings(seed, items=50, judges=3 + seed, categories=4, missing=0.0)
    table = np.stack([(m == c).sum(axis=1) for c in range(4)], axis=1)

    assert fleiss_kappa(m).value == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))


def test_fleiss_kappa_keeps_only_items_with_the_most_common_number_of_judgements():
    m = noisy_ratings(3, items=60, judges=4, categories=3, missing=0.0)
    m[:10, 3] = nan  # ten items with three judgements, fifty with four
    full = m[10:]
    table = np.stack([(full == c).sum(axis=1) for c in range(3)], axis=1)

    result = fleiss_kappa(m)

    assert result.items == 50
    assert result.value == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))


@pytest.mark.parametrize("seed", range(5))
def test_cohen_kappa_equals_scikit_learn_on_the_items_both_judged(seed):
    m = noisy_ratings(seed, items=80, judges=2, categories=4, missing=0.15)
    both = ~np.isnan(m).any(axis=1)

    result = cohen_kappa(m[:, 0], m[:, 1])

    assert result.value == pytest.approx(cohen_kappa_score(m[both, 0], m[both, 1]))
    assert result.items == both.sum()


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
@pytest.mark.parametrize("seed", range(4))
def test_weighted_kappa_equals_scikit_learn_on_a_1_to_10_scale(weights, seed):
    m = noisy_ratings(seed, items=60, judges=2, categories=7, missing=0.0) + 1
    scale = list(range(1, 11))

    ours = weighted_kappa(m[:, 0], m[:, 1], weights=weights, categories=scale)
    theirs = cohen_kappa_score(m[:, 0], m[:, 1], weights=weights, labels=scale)

    assert ours.value == pytest.approx(theirs)


def test_the_kappa_matrix_is_symmetric_and_holds_scikit_learns_pairwise_kappa():
    m = noisy_ratings(11, items=70, judges=4, categories=3, missing=0.1)

    pairwise = cohen_kappa_matrix(m)

    np.testing.assert_allclose(pairwise.kappa, pairwise.kappa.T)
    np.testing.assert_allclose(np.diag(pairwise.kappa), 1.0)
    both = ~np.isnan(m[:, [1, 3]]).any(axis=1)
    assert pairwise.kappa[1, 3] == pytest.approx(cohen_kappa_score(m[both, 1], m[both, 3]))
    assert pairwise.items[1, 3] == both.sum()


def gwet_ac1_by_hand(m: np.ndarray) -> float:
    """Gwet (2014) formula written item by item, to check the vectorised version."""
    cats = sorted({v for v in m.ravel() if not math.isnan(v)})
    pa, pairable, pi = 0.0, 0, dict.fromkeys(cats, 0.0)
    judged_items = 0
    for row in m:
        values = [v for v in row if not math.isnan(v)]
        if values:
            judged_items += 1
            for c in cats:
                pi[c] += values.count(c) / len(values)
        if len(values) >= 2:
            pairable += 1
            pa += sum(values.count(c) * (values.count(c) - 1) for c in cats) / (
                len(values) * (len(values) - 1)
            )
    pa /= pairable
    pe = sum((p / judged_items) * (1 - p / judged_items) for p in pi.values()) / (len(cats) - 1)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("seed", range(4))
def test_ac1_equals_gwets_formula_computed_item_by_item(seed):
    m = noisy_ratings(seed, items=40, judges=4, categories=3, missing=0.3)

    assert gwet_ac1(m).value == pytest.approx(gwet_ac1_by_hand(m))


# Building the matrix


def test_the_matrix_is_built_from_triples_with_missing_judgements_as_nan():
    built = reliability_matrix([("i1", "ann", 1), ("i1", "bob", 0), ("i2", "bob", 1), ("i3", "ann", None)])

    assert built.item_ids == ("i1", "i2", "i3")
    assert built.judge_ids == ("ann", "bob")
    np.testing.assert_array_equal(built.values, [[1, 0], [nan, 1], [nan, nan]])


def test_a_duplicate_judgement_is_refused():
    with pytest.raises(ValueError, match="more than one value"):
        reliability_matrix([("i1", "ann", 1), ("i1", "ann", 0)])


# Edge cases


def test_a_single_category_everywhere_leaves_kappa_and_alpha_undefined_but_ac1_at_one():
    m = np.ones((20, 3))
    m[0, 2] = nan

    assert math.isnan(krippendorff_alpha(m).value)
    assert math.isnan(fleiss_kappa(m).value)
    assert math.isnan(cohen_kappa(m[:, 0], m[:, 1]).value)
    assert math.isnan(weighted_kappa(m[:, 0], m[:, 1], categories=range(1, 11)).value)
    assert gwet_ac1(m).value == 1.0
    assert gwet_ac1(m, categories=(0, 1)).value == 1.0
    assert percent_agreement(m).value == 1.0


def test_ac1_stays_near_percent_agreement_when_nearly_everything_is_safe():
    m = np.ones((200, 3))
    m[0, 0] = 0  # one dissenting "unsafe"

    ac1 = gwet_ac1(m, categories=(0, 1)).value
    kappa = fleiss_kappa(m).value

    assert ac1 == pytest.approx(percent_agreement(m).value, abs=0.01)
    assert kappa < 0.0 < 0.99 < ac1


def test_items_without_a_pair_are_left_out_and_reported():
    m = np.array([[1, 1, nan], [0, 0, 0], [1, nan, nan], [nan, nan, nan]])

    result = krippendorff_alpha(m)

    assert (result.items, result.judges, result.pairable_values) == (2, 3, 5)
    assert percent_agreement(m).items == 2


def test_no_pairable_item_gives_nan_rather_than_an_error():
    m = np.array([[1, nan], [nan, 0]])

    for result in (krippendorff_alpha(m), percent_agreement(m), fleiss_kappa(m), gwet_ac1(m)):
        assert math.isnan(result.value)
    assert math.isnan(cohen_kappa(m[:, 0], m[:, 1]).value)


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(np.ones((3, 2)), level="ratio")  # type: ignore[arg-type]


# Bootstrap


def test_the_bootstrap_is_reproducible_with_a_seed_and_brackets_the_estimate():
    m = noisy_ratings(5, items=80, judges=3, categories=2, missing=0.1)

    first = with_bootstrap_ci(m, krippendorff_alpha, n_resamples=300, seed=42)
    again = with_bootstrap_ci(m, krippendorff_alpha, n_resamples=300, seed=42)

    assert first == again
    assert isinstance(first, Agreement)
    assert first.ci_low < first.value < first.ci_high
    assert first.ci_high - first.ci_low < 0.5


def test_the_bootstrap_resamples_items_so_a_constant_statistic_has_a_zero_width_interval():
    m = noisy_ratings(1, items=30, judges=3, categories=2, missing=0.0)

    assert bootstrap_ci(m, lambda sample: float(sample.shape[0]), n_resamples=50) == (30.0, 30.0)


def test_the_bootstrap_interval_is_nan_when_every_resample_is_undefined():
    low, high = bootstrap_ci(np.ones((10, 2)), krippendorff_alpha, n_resamples=20)

    assert math.isnan(low)
    assert math.isnan(high)


# Properties


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_perfect_agreement_gives_one(data):
    items = data.draw(st.integers(2, 30))
    judges = data.draw(st.integers(2, 6))
    labels = data.draw(
        st.lists(st.integers(1, 10), min_size=items, max_size=items).filter(lambda v: len(set(v)) > 1)
    )
    m = np.repeat(np.array(labels, dtype=float)[:, None], judges, axis=1)

    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(m, level=level).value == pytest.approx(1.0)
    assert fleiss_kappa(m).value == pytest.approx(1.0)
    assert gwet_ac1(m).value == pytest.approx(1.0)
    assert percent_agreement(m).value == 1.0
    assert cohen_kappa(m[:, 0], m[:, 1]).value == pytest.approx(1.0)
    assert weighted_kappa(m[:, 0], m[:, -1]).value == pytest.approx(1.0)


@settings(max_examples=80, deadline=None)
@given(matrices(), st.randoms(use_true_random=False))
def test_the_order_of_judges_and_of_items_does_not_matter(m, random):
    judges = list(range(m.shape[1]))
    items = list(range(m.shape[0]))
    random.shuffle(judges)
    random.shuffle(items)
    shuffled = m[items][:, judges]

    for stat in (
        percent_agreement,
        fleiss_kappa,
        gwet_ac1,
        krippendorff_alpha,
        lambda x: krippendorff_alpha(x, level="ordinal"),
        lambda x: krippendorff_alpha(x, level="interval"),
    ):
        before, after = stat(m), stat(shuffled)
        assert same(before.value, after.value)
        assert (before.items, before.judges, before.pairable_values) == (
            after.items,
            after.judges,
            after.pairable_values,
        )


@settings(max_examples=60, deadline=None)
@given(matrices(max_judges=2, categories=4))
def test_cohen_kappa_is_symmetric_in_its_two_judges(m):
    for weights in (None, "linear", "quadratic"):
        assert same(
            weighted_kappa(m[:, 0], m[:, 1], weights).value, weighted_kappa(m[:, 1], m[:, 0], weights).value
        )


@settings(max_examples=60, deadline=None)
@given(matrices(missing=True))
def test_coefficients_stay_in_their_ranges(m):
    pa = percent_agreement(m).value
    assert math.isnan(pa) or 0.0 <= pa <= 1.0
    alpha = krippendorff_alpha(m).value
    assert math.isnan(alpha) or alpha <= 1.0 + 1e-9
    for stat in (fleiss_kappa, gwet_ac1):
        value = stat(m).value
        assert math.isnan(value) or -1.0 - 1e-9 <= value <= 1.0 + 1e-9


@settings(max_examples=40, deadline=None)
@given(matrices(missing=False), st.sampled_from(["nominal", "ordinal", "interval"]))
def test_alpha_agrees_with_the_krippendorff_package_on_arbitrary_small_matrices(m, level):
    ours = krippendorff_alpha(m, level=level).value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = krippendorff.alpha(reliability_data=m.T, level_of_measurement=level)
        except ValueError:  # one value in the whole domain: α is undefined
            theirs = nan

    assert same(ours, theirs) or ours == pytest.approx(theirs)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_the_bootstrap_interval_contains_the_estimate_for_non_degenerate_data(seed):
    m = noisy_ratings(seed, items=60, judges=3, categories=3, missing=0.1)

    for stat in (percent_agreement, krippendorff_alpha, gwet_ac1):
        estimate = stat(m).value
        low, high = bootstrap_ci(m, stat, n_resamples=200, seed=seed)
        assert low <= estimate <= high
