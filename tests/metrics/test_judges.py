from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from metrics.judges import agreement_with_rest, item_disagreement, mean_pairwise_weighted_kappa
from metrics.scores import BOOTSTRAP_MAX_N, mean

nan = np.nan


def test_a_judge_who_always_contradicts_the_others_agrees_with_them_nowhere():
    matrix = [[1, 1, 0], [0, 0, 1], [1, 1, 0], [1, 1, 0]]

    contrarian = agreement_with_rest(matrix, "nominal")[2]

    assert (contrarian.value, contrarian.items) == (0.0, 4)


def test_judges_in_line_with_the_majority_agree_with_the_rest_everywhere_they_can():
    matrix = [[1, 1, 0], [0, 0, 1], [1, 1, 0]]

    first = agreement_with_rest(matrix, "nominal")[0]

    # Against (judge 2, judge 3) the others split 1-1 on every item: no strict majority.
    assert first.items == 0
    assert math.isnan(first.value)


def test_items_with_fewer_than_two_other_judges_are_not_comparable():
    matrix = [[1, 1, nan], [1, 0, 0], [0, 0, 0]]

    result = agreement_with_rest(matrix, "nominal")

    # Row 1 has one judgement too few; on row 2 the others of judges 2 and 3 tie.
    assert [r.items for r in result] == [2, 1, 1]
    assert result[0].value == pytest.approx(0.5)


def test_distance_from_the_rest_is_the_mean_gap_to_the_others_mean_score():
    matrix = [[8, 6, 10], [2, 4, nan]]

    result = agreement_with_rest(matrix, "interval")

    assert result[0].value == pytest.approx((abs(8 - 8) + abs(2 - 4)) / 2)
    assert result[2].value == pytest.approx(abs(10 - 7))
    assert [r.items for r in result] == [2, 2, 1]


def test_item_disagreement_is_the_minority_share_for_labels():
    matrix = [[1, 1, 1], [1, 1, 0], [1, 0, nan], [1, nan, nan]]

    spread = item_disagreement(matrix, "nominal")

    assert spread[:3] == pytest.approx([0.0, 1 / 3, 0.5])
    assert math.isnan(spread[3])


def test_item_disagreement_is_the_range_for_ratings():
    spread = item_disagreement([[3, 9, nan], [5, 5, 6]], "interval")

    assert spread.tolist() == [6.0, 1.0]


def test_mean_pairwise_weighted_kappa_of_two_experts_matches_scikit_learn():
    rng = np.random.default_rng(4)
    a = rng.integers(1, 11, size=60)
    b = np.clip(a + rng.integers(-2, 3, size=60), 1, 10)

    kappa, pairs = mean_pairwise_weighted_kappa(np.column_stack([a, b]).astype(float), range(1, 11))

    assert pairs == 1
    assert kappa == pytest.approx(cohen_kappa_score(a, b, weights="quadratic", labels=list(range(1, 11))))


def test_pairs_sharing_too_few_items_are_left_out_of_the_mean():
    matrix = np.array([[5, 5, nan], [6, 7, nan], [8, 8, nan], [2, 3, nan], [9, 9, nan], [4, nan, 4]], float)

    _, pairs = mean_pairwise_weighted_kappa(matrix, range(1, 11), min_shared=5)

    assert pairs == 1


def test_a_large_sample_mean_uses_the_normal_interval():
    rng = np.random.default_rng(1)
    values = rng.integers(1, 11, size=BOOTSTRAP_MAX_N + 1).astype(float)

    estimate = mean(values)

    half = 1.959963984540054 * values.std(ddof=1) / math.sqrt(values.size)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((values.mean() - half, values.mean() + half))


matrices = st.integers(2, 12).flatmap(
    lambda items: st.lists(
        st.lists(st.sampled_from([0.0, 1.0, nan]), min_size=4, max_size=4), min_size=items, max_size=items
    )
)


@settings(max_examples=60, deadline=None)
@given(matrices, st.permutations(range(4)))
def test_reordering_judges_changes_nobody_s_figures(matrix, order):
    m = np.asarray(matrix)
    shuffled = m[:, order]

    before = agreement_with_rest(m, "nominal")
    after = agreement_with_rest(shuffled, "nominal")

    assert [after[k].items for k in range(4)] == [before[j].items for j in order]
    assert np.array_equal(
        item_disagreement(m, "nominal"), item_disagreement(shuffled, "nominal"), equal_nan=True
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 10), min_size=1, max_size=20), st.integers(2, 5))
def test_unanimous_items_show_no_disagreement(scores, judges):
    m = np.repeat(np.asarray(scores, float)[:, None], judges, axis=1)

    assert (item_disagreement(m, "interval") == 0).all()
    assert all(r.value == 0 for r in agreement_with_rest(m, "interval"))
