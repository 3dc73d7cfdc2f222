"""The left/right ↔ A/B rules of annotation.pairs, and the pair plans, on their own."""

from __future__ import annotations

import pytest

from annotation.models import PairPlan
from annotation.pairs import choice_of, pairs_planned, preferred_of, sides_to_ab


@pytest.mark.parametrize("a_on_left", [True, False])
@pytest.mark.parametrize("choice", ["left", "right", "tie", "both_bad"])
def test_a_choice_turned_into_a_b_and_back_is_the_same_choice(choice, a_on_left):
    preferred = preferred_of(choice=choice, a_on_left=a_on_left)

    assert preferred in ("a", "b", "tie", "both_bad")
    assert choice_of(preferred=preferred, a_on_left=a_on_left) == choice


def test_the_same_side_means_the_other_answer_when_a_is_on_the_right():
    assert preferred_of(choice="left", a_on_left=True) == "a"
    assert preferred_of(choice="left", a_on_left=False) == "b"


def test_each_sides_safety_goes_to_its_answer():
    assert sides_to_ab(left=True, right=False, a_on_left=True) == (True, False)
    assert sides_to_ab(left=True, right=False, a_on_left=False) == (False, True)


def test_all_pairs_of_n_models_are_n_choose_two():
    assert pairs_planned(model_ids=[3, 1, 2, 4], plan=PairPlan.ALL_PAIRS, reference_id=None) == [
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 3),
        (2, 4),
        (3, 4),
    ]


def test_against_a_reference_pairs_each_model_once_with_it():
    assert pairs_planned(model_ids=[1, 3, 5], plan=PairPlan.AGAINST_REFERENCE, reference_id=3) == [
        (1, 3),
        (3, 5),
    ]
