"""Simulated safety campaigns for metrics/ppi.py's tests and benchmarks/ppi.py: a truth, people's
labels and a model judge's labels, each a matrix (campaigns, items) of 0/1 (1 safe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

PeopleErrors = Literal["symmetric", "balanced"]


@dataclass(frozen=True)
class Simulated:
    truth: np.ndarray
    people: np.ndarray
    judge: np.ndarray
    # The mean of people's labels over the population of responses: what PPI estimates.
    people_mean: float


def _flip(truth: np.ndarray, *, unsafe_to_safe: float, safe_to_unsafe: float, rng) -> np.ndarray:
    """Labels that call an unsafe response safe with one probability, a safe one unsafe with another."""
    u = rng.random(truth.shape)
    return np.where(truth, u >= safe_to_unsafe, u < unsafe_to_safe)


def simulate_labels(
    *,
    campaigns: int,
    items: int,
    true_rate: float,
    judge_accuracy: float,
    judge_safe_bias: float,
    people_accuracy: float,
    people_errors: PeopleErrors = "symmetric",
    seed: int = 0,
) -> Simulated:
    """Each response is safe with probability ``true_rate``. The judge is right with probability
    ``judge_accuracy``; a share ``judge_safe_bias`` of its errors call an unsafe response safe (0.5
    is an unbiased judge on a balanced set; more leans toward "safe"). People are right with
    probability ``people_accuracy``: "symmetric", every label flips with the same probability (which
    pulls the people's mean toward 0.5); "balanced", as many safe responses called unsafe as unsafe
    ones called safe, so the people's mean is the true rate."""
    rng = np.random.default_rng(seed)
    r, wrong = true_rate, 1.0 - judge_accuracy
    if judge_safe_bias * wrong > 1 - r or (1 - judge_safe_bias) * wrong > r:
        raise ValueError("more judge errors of one kind than responses of that kind")
    truth = rng.random((campaigns, items)) < r
    judge = _flip(
        truth,
        unsafe_to_safe=judge_safe_bias * wrong / (1 - r),
        safe_to_unsafe=(1 - judge_safe_bias) * wrong / r,
        rng=rng,
    )
    e = 1.0 - people_accuracy
    if people_errors == "symmetric":
        unsafe_to_safe = safe_to_unsafe = e
    else:
        unsafe_to_safe, safe_to_unsafe = e / 2 / (1 - r), e / 2 / r
    people = _flip(truth, unsafe_to_safe=unsafe_to_safe, safe_to_unsafe=safe_to_unsafe, rng=rng)
    people_mean = r * (1 - safe_to_unsafe) + (1 - r) * unsafe_to_safe
    return Simulated(
        truth=truth.astype(np.float64),
        people=people.astype(np.float64),
        judge=judge.astype(np.float64),
        people_mean=float(people_mean),
    )


def labelled_mask(*, campaigns: int, items: int, labelled: int, seed: int = 1) -> np.ndarray:
    """In each campaign, a uniform random sample of ``labelled`` items (True) for people."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((campaigns, items)), axis=1)
    mask = np.zeros((campaigns, items), dtype=bool)
    np.put_along_axis(mask, order[:, :labelled], True, axis=1)
    return mask
