"""Simulated pairwise votes and their translation for choix, for tests/metrics/test_pairwise.py and
benchmarks/pairwise.py."""

from __future__ import annotations

import numpy as np

from metrics.pairwise import A_BETTER, B_BETTER, BOTH_BAD, TIE, PairCounts, Votes


def simulate_votes(
    true: np.ndarray, n_votes: int, *, seed: int, tie_share: float = 0.15, left_bonus: float = 0.0
) -> Votes:
    """Votes of a judge answering from the Bradley–Terry probabilities of the log-strengths
    ``true``: pairs uniform, sides random, ``tie_share`` ties (a third of them both bad), and
    ``left_bonus`` added to the log-odds of whichever answer is shown on the left."""
    rng = np.random.default_rng(seed)
    n = true.size
    a = rng.integers(0, n, n_votes)
    b = (a + rng.integers(1, n, n_votes)) % n
    a_left = rng.random(n_votes) < 0.5
    logit = true[a] - true[b] + np.where(a_left, left_bonus, -left_bonus)
    decided = np.where(rng.random(n_votes) < 1 / (1 + np.exp(-logit)), A_BETTER, B_BETTER)
    u = rng.random(n_votes)
    outcome = np.where(u < tie_share, np.where(u < tie_share / 3, BOTH_BAD, TIE), decided)
    return Votes.of(a, b, outcome, a_left)


def choix_pairs(counts: PairCounts) -> list[tuple[int, int]]:
    """The votes as choix's (winner, loser) list. choix knows neither ties nor weights: each
    decisive vote appears twice and each tie once each way, which doubles our log-likelihood, so
    choix's penalty must be twice our ``reg``."""
    pairs: list[tuple[int, int]] = []
    for i, j in zip(*np.nonzero(counts.wins), strict=True):
        pairs += [(int(i), int(j))] * (2 * int(counts.wins[i, j]))
    ties = np.triu(counts.ties, 1)
    for i, j in zip(*np.nonzero(ties), strict=True):
        pairs += [(int(i), int(j)), (int(j), int(i))] * int(ties[i, j])
    return pairs
