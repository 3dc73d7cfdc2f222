"""Pairwise judging's own rules, in one place: which models are paired (the pair plan), which answer
of a pair is A, and how a judge's left/right choice becomes the stored A/B preference.

Terms. An item of a pairwise campaign holds two answers to one prompt: A (response position 1, the
item's ``model``) and B (position 2, ``model_b``). Which model is A is drawn from the campaign's seed
per pair, so that A is not always the same model. Each judge sees A on the left or on the right,
drawn per judge and item at lease time and stored (``Lease.a_on_left``, copied to
``Judgement.a_on_left``). Judges answer in left/right terms (the page, the API); the server turns
that into A/B with the side stored on the lease, never one a client sends. Stored judgements,
gold answers and adjudications are in A/B terms only.
"""

from __future__ import annotations

import hashlib
from itertools import combinations

from annotation.models import PairPlan, Preference

LEFT, RIGHT = "left", "right"
# What a judge chooses, in the terms of what they see.
CHOICES = (LEFT, RIGHT, Preference.TIE.value, Preference.BOTH_BAD.value)


def preferred_of(*, choice: str, a_on_left: bool) -> str:
    """The stored preference (A/B terms) of a judge's choice (left/right terms)."""
    if choice == LEFT:
        return Preference.A if a_on_left else Preference.B
    if choice == RIGHT:
        return Preference.B if a_on_left else Preference.A
    return choice


def choice_of(*, preferred: str | None, a_on_left: bool | None) -> str:
    """A stored preference in the terms its judge saw it (an edit starts from it)."""
    if preferred in (Preference.A, Preference.B) and a_on_left is not None:
        return LEFT if (preferred == Preference.A) == a_on_left else RIGHT
    return preferred or ""


def sides_to_ab(*, left: bool | None, right: bool | None, a_on_left: bool) -> tuple[bool | None, bool | None]:
    """(value of A, value of B) from (value on the left, value on the right)."""
    return (left, right) if a_on_left else (right, left)


def pairs_planned(*, model_ids: list[int], plan: str, reference_id: int | None) -> list[tuple[int, int]]:
    """The model pairs a plan compares, each as (lower id, higher id): every pair of the chosen
    models, or each chosen model against the reference."""
    ids = sorted(set(model_ids) | ({reference_id} if reference_id is not None else set()))
    if plan == PairPlan.AGAINST_REFERENCE:
        return [tuple(sorted((m, reference_id))) for m in ids if m != reference_id]  # type: ignore[misc]
    return list(combinations(ids, 2))


def pair_a_first(*, seed: int, first_response_id: int, second_response_id: int) -> bool:
    """Whether the first of two responses (by model order) is stored as answer A: a keyed hash of
    the campaign's seed and both responses, so replayable and half the time each way."""
    digest = hashlib.md5(
        f"{seed}:pair:{first_response_id}:{second_response_id}".encode(), usedforsecurity=False
    ).digest()
    return digest[0] & 1 == 0


def pair_position(*, seed: int, a_response_id: int, b_response_id: int) -> int:
    """A pair item's place in the serving order (as item_position is for one response)."""
    digest = hashlib.md5(
        f"{seed}:{a_response_id}:{b_response_id}".encode(), usedforsecurity=False
    ).hexdigest()
    return int(digest[:15], 16)
