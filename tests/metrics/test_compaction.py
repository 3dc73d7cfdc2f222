from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.agreement import (
    bootstrap_ci,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    rows_compacted,
    with_bootstrap_ci,
)

nan = np.nan


def test_compacting_moves_each_item_s_values_left_and_trims_the_empty_columns():
    matrix = [[nan, 1, nan, 0], [nan, nan, 1, nan], [1, nan, nan, nan]]

    compact = rows_compacted(matrix)

    assert compact.shape == (3, 2)
    assert np.array_equal(compact, [[0, 1], [1, nan], [1, nan]], equal_nan=True)


JUDGE_FREE = {
    "percent": percent_agreement,
    "alpha nominal": lambda m: krippendorff_alpha(m, "nominal"),
    "alpha interval": lambda m: krippendorff_alpha(m, "interval"),
    "fleiss": fleiss_kappa,
    "ac1": lambda m: gwet_ac1(m, categories=(0.0, 1.0)),
}

sparse_matrices = st.integers(3, 25).flatmap(
    lambda items: st.lists(
        st.lists(st.sampled_from([0.0, 1.0, nan, nan, nan]), min_size=8, max_size=8),
        min_size=items,
        max_size=items,
    )
)


@settings(max_examples=40, deadline=None)
@given(sparse_matrices, st.sampled_from(sorted(JUDGE_FREE)))
def test_judge_free_coefficients_and_their_intervals_do_not_change_when_compacted(matrix, name):
    m = np.asarray(matrix)
    statistic = JUDGE_FREE[name]

    full, compact = statistic(m), statistic(rows_compacted(m))

    assert np.isnan(full.value) == np.isnan(compact.value)
    if not np.isnan(full.value):
        assert compact.value == pytest.approx(full.value)
    low_full, high_full = bootstrap_ci(m, statistic, n_resamples=30, seed=2)
    low_compact, high_compact = bootstrap_ci(rows_compacted(m), statistic, n_resamples=30, seed=2)
    assert np.allclose([low_full, high_full], [low_compact, high_compact], equal_nan=True)


def test_a_judge_free_bootstrap_still_reports_the_full_matrix_s_judges():
    rng = np.random.default_rng(3)
    m = np.full((200, 40), nan)
    for row in range(200):
        m[row, rng.choice(40, size=3, replace=False)] = rng.integers(0, 2, size=3)

    result = with_bootstrap_ci(m, lambda x: krippendorff_alpha(x, "nominal"), n_resamples=50, judge_free=True)

    assert result.judges == 40
    assert result.value == pytest.approx(krippendorff_alpha(m, "nominal").value)
    assert result.ci_low <= result.value <= result.ci_high
