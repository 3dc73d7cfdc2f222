"""Simulated judges with known accuracies, the oracle for metrics.reliability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Simulated:
    triples: list[tuple[int, int, bool]]
    truth: np.ndarray  # True = safe, per item
    realised_accuracy: dict[int, float]  # each judge's share of right answers, as drawn


def simulate_safety(
    *,
    accuracies: list[float],
    items: int,
    per_item: int,
    safe_share: float,
    always: dict[int, bool] | None = None,
    seed: int = 0,
) -> Simulated:
    """Each item gets ``per_item`` distinct judges drawn at random; judge j answers right with
    probability ``accuracies[j]`` (a wrong answer is the other label), except the judges in
    ``always``, who give that label whatever the truth."""
    rng = np.random.default_rng(seed)
    truth = rng.random(items) < safe_share
    n_judges = len(accuracies)
    judges = np.argsort(rng.random((items, n_judges)), axis=1)[:, :per_item]
    item = np.repeat(np.arange(items), per_item)
    judge = judges.ravel()
    right = rng.random(item.size) < np.asarray(accuracies)[judge]
    label = np.where(right, truth[item], ~truth[item])
    for j, value in (always or {}).items():
        label[judge == j] = value
    correct = label == truth[item]
    realised = {j: float(correct[judge == j].mean()) for j in range(n_judges) if (judge == j).any()}
    return Simulated(list(zip(item.tolist(), judge.tolist(), label.tolist(), strict=True)), truth, realised)
