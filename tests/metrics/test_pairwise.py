"""metrics.pairwise: Bradley–Terry scores against choix (the test-only oracle), ties, bootstrap
intervals, win rates, position bias and active sampling."""

from __future__ import annotations

import choix
import numpy as np
import pytest

from metrics.pairwise import (
    A_BETTER,
    B_BETTER,
    BOTH_BAD,
    ELO_SCALE,
    REG,
    TIE,
    PairCounts,
    Votes,
    bradley_terry,
    bt_scores,
    majority_side,
    pair_gains,
    position_bias,
    rank_groups,
    win_matrix,
    win_rates,
)
from tests.metrics.pairwise_support import choix_pairs, simulate_votes


def votes_of(*triples: tuple[int, int, int]) -> Votes:
    a, b, outcome = zip(*triples, strict=True)
    return Votes.of(a, b, outcome, [True] * len(triples))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_scores_equal_choixs_penalised_fit_with_the_same_ridge(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    votes = simulate_votes(rng.normal(0, 1.2, n), int(rng.integers(150, 500)), seed=seed)

    ours = bt_scores(win_matrix(votes, n))
    theirs = choix.opt_pairwise(n, choix_pairs(win_matrix(votes, n)), alpha=2 * REG, tol=1e-12)

    np.testing.assert_allclose(ours, theirs - theirs.mean(), atol=1e-4)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_scores_without_the_ridge_equal_choixs_maximum_likelihood(seed):
    n = 10
    counts = win_matrix(simulate_votes(np.random.default_rng(seed).normal(0, 1, n), 3000, seed=seed), n)

    ours = bt_scores(counts, reg=0.0)
    theirs = choix.ilsr_pairwise_dense(counts.effective_wins(), alpha=0.0, tol=1e-12, max_iter=1000)

    np.testing.assert_allclose(ours, theirs - theirs.mean(), atol=1e-4)


def test_scores_have_mean_zero_and_elo_is_the_same_on_its_scale():
    ranking = bradley_terry(
        win_matrix(simulate_votes(np.array([0.0, 0.5, 1.0]), 300, seed=8), 3), n_resamples=0
    )

    assert ranking.scores.mean() == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(ranking.elo, 1000 + ELO_SCALE * ranking.scores)


def test_an_anchor_model_sits_at_its_rating_and_the_gaps_stay():
    counts = win_matrix(simulate_votes(np.array([0.0, 0.5, 1.0]), 300, seed=9), 3)

    plain = bradley_terry(counts, n_resamples=0)
    anchored = bradley_terry(counts, n_resamples=0, anchor=1, anchor_rating=1114.0)

    assert anchored.elo[1] == pytest.approx(1114.0)
    np.testing.assert_allclose(np.diff(anchored.elo), np.diff(plain.elo))


def test_a_model_that_always_wins_gets_the_highest_finite_score():
    votes = simulate_votes(np.array([0.0, 0.3, -0.2, 0.1]), 400, seed=10, tie_share=0.0)
    unbeatable = votes_of(
        *[(4, k, A_BETTER) for k in range(4)] * 3, *[(k, 4, B_BETTER) for k in range(4)] * 2
    )
    both = Votes.of(
        np.concatenate([votes.model_a, unbeatable.model_a]),
        np.concatenate([votes.model_b, unbeatable.model_b]),
        np.concatenate([votes.outcome, unbeatable.outcome]),
        np.concatenate([votes.a_left, unbeatable.a_left]),
    )

    ranking = bradley_terry(win_matrix(both, 5), n_resamples=50)

    assert ranking.order()[0] == 4
    assert np.isfinite(ranking.scores[4])
    assert np.isfinite(ranking.ci_high[4])


def test_a_tie_counts_as_half_a_win_to_each_side():
    # 3 wins and 1 loss of model 0, and 2 ties, weigh as 4 wins to 2 losses.
    with_ties = votes_of(*[(0, 1, A_BETTER)] * 3, (0, 1, B_BETTER), (0, 1, TIE), (1, 0, TIE))
    halves = votes_of(*[(0, 1, A_BETTER)] * 4, *[(0, 1, B_BETTER)] * 2)

    np.testing.assert_allclose(bt_scores(win_matrix(with_ties, 2)), bt_scores(win_matrix(halves, 2)))


def test_both_bad_counts_as_a_tie_for_the_ranking():
    votes = simulate_votes(np.array([0.0, 0.4, 0.8]), 300, seed=11)
    as_ties = Votes.of(
        votes.model_a, votes.model_b, np.where(votes.outcome == BOTH_BAD, TIE, votes.outcome), votes.a_left
    )

    np.testing.assert_allclose(bt_scores(win_matrix(votes, 3)), bt_scores(win_matrix(as_ties, 3)))


def test_models_that_only_tie_get_equal_scores():
    scores = bt_scores(win_matrix(votes_of((0, 1, TIE), (1, 0, BOTH_BAD), (0, 1, TIE)), 2))

    assert scores[0] == pytest.approx(scores[1])


def test_a_model_without_votes_has_no_score_and_the_others_keep_mean_zero():
    ranking = bradley_terry(win_matrix(votes_of((0, 1, A_BETTER), (1, 0, A_BETTER), (0, 1, A_BETTER)), 3))

    assert np.isnan(ranking.scores[2])
    assert np.isnan(ranking.ci_low[2])
    assert ranking.scores[:2].sum() == pytest.approx(0.0, abs=1e-12)
    assert list(ranking.order()) == [0, 1, 2]


def test_the_bootstrap_interval_contains_the_point_estimate():
    ranking = bradley_terry(win_matrix(simulate_votes(np.linspace(-1, 1, 6), 600, seed=12), 6))

    assert np.all(ranking.ci_low <= ranking.scores)
    assert np.all(ranking.scores <= ranking.ci_high)
    assert np.all(ranking.elo_low <= ranking.elo)
    assert np.all(ranking.elo <= ranking.elo_high)


def test_bootstrap_intervals_narrow_with_more_votes():
    true = np.linspace(-1, 1, 6)
    few = bradley_terry(win_matrix(simulate_votes(true, 500, seed=13), 6))
    many = bradley_terry(win_matrix(simulate_votes(true, 5000, seed=13), 6))

    assert np.all(many.ci_high - many.ci_low < few.ci_high - few.ci_low)


def test_the_bootstrap_is_deterministic_given_a_seed():
    counts = win_matrix(simulate_votes(np.linspace(-1, 1, 5), 400, seed=14), 5)

    first, again = bradley_terry(counts, seed=3), bradley_terry(counts, seed=3)

    np.testing.assert_array_equal(first.ci_low, again.ci_low)
    np.testing.assert_array_equal(first.ci_high, again.ci_high)


def test_the_win_matrix_counts_wins_ties_and_both_bad_per_pair():
    counts = win_matrix(
        votes_of(
            (0, 1, A_BETTER),
            (1, 0, A_BETTER),
            (1, 0, A_BETTER),
            (0, 2, B_BETTER),
            (2, 1, TIE),
            (1, 2, BOTH_BAD),
        ),
        3,
    )

    np.testing.assert_array_equal(counts.wins, [[0, 1, 0], [2, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(counts.ties, [[0, 0, 0], [0, 0, 2], [0, 2, 0]])
    np.testing.assert_array_equal(counts.both_bad, [[0, 0, 0], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(counts.votes, [[0, 3, 1], [3, 0, 2], [1, 2, 0]])


def test_win_rates_are_shares_of_the_decisive_votes():
    counts = win_matrix(
        votes_of((0, 1, A_BETTER), (0, 1, A_BETTER), (0, 1, B_BETTER), (0, 1, TIE), (1, 2, TIE)), 3
    )

    rates = win_rates(counts)

    assert rates.rate[0, 1] == pytest.approx(2 / 3)
    assert rates.rate[1, 0] == pytest.approx(1 / 3)
    assert rates.decisive[0, 1] == 3
    assert np.isnan(rates.rate[1, 2])


def test_each_group_gets_the_ranking_of_its_own_votes():
    true = np.linspace(-1, 1, 4)
    groups = {"privacy": simulate_votes(true, 300, seed=15), "violence": simulate_votes(-true, 300, seed=16)}

    rankings = rank_groups(groups, n_models=4, n_resamples=20)

    for key, votes in groups.items():
        np.testing.assert_allclose(rankings[key].scores, bt_scores(win_matrix(votes, 4)))
    assert rankings["privacy"].order()[0] == 3
    assert rankings["violence"].order()[0] == 0


def test_unbiased_votes_put_one_half_inside_the_position_bias_interval():
    bias = position_bias(simulate_votes(np.linspace(-1, 1, 5), 4000, seed=17))

    assert bias.ci_low < 0.5 < bias.ci_high


def test_a_judge_who_favours_the_left_answer_is_detected():
    bias = position_bias(simulate_votes(np.linspace(-1, 1, 5), 2000, seed=18, left_bonus=1.0))

    assert bias.ci_low > 0.6


def split_evenly(votes_per_pair: list[list[int]]) -> PairCounts:
    """Counts in which every pair split its votes evenly."""
    wins = np.asarray(votes_per_pair) // 2
    return PairCounts(wins=wins, ties=np.zeros_like(wins), both_bad=np.zeros_like(wins))


def test_active_sampling_prefers_an_undersampled_pair_to_an_oversampled_one():
    counts = split_evenly([[0, 4, 20, 20], [4, 0, 20, 20], [20, 20, 0, 200], [20, 20, 200, 0]])

    gains = pair_gains(counts, np.zeros(4))

    assert gains[0, 1] > gains[2, 3]
    assert gains[0, 1] == gains[1, 0]


def test_active_sampling_prefers_a_close_pair_to_a_lopsided_one_known_as_well():
    scores = np.array([0.0, 0.2, 3.0, 3.2])
    p = 1 / (1 + np.exp(scores[None, :] - scores[:, None]))
    # Lopsided pairs have as many more votes as each says less (votes x p(1 - p) alike): every
    # difference is known as well, and only what one more vote would say sets the pairs apart.
    votes = np.rint(10 / (p * (1 - p))).astype(int)
    np.fill_diagonal(votes, 0)

    gains = pair_gains(split_evenly(votes.tolist()), scores)

    assert gains[0, 1] > gains[1, 2]
    assert gains[2, 3] > gains[0, 3]


@pytest.mark.parametrize(
    ("a", "b", "tie", "both_bad", "side"),
    [
        (2, 1, 0, 0, A_BETTER),
        (1, 3, 1, 0, B_BETTER),
        (2, 0, 1, 0, A_BETTER),
        (1, 1, 1, 0, None),  # the answers tie
        (2, 2, 0, 0, None),
        (1, 0, 1, 1, None),  # more votes for neither than for the leader
        (2, 0, 1, 1, None),  # as many
        (0, 0, 3, 0, None),
        (0, 0, 0, 0, None),
    ],
)
def test_a_pairs_majority_side_needs_more_votes_than_the_other_side_and_than_neither(
    a, b, tie, both_bad, side
):
    assert majority_side(a=a, b=b, tie=tie, both_bad=both_bad) == side
