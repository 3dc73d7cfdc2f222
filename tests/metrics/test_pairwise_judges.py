"""Pairwise judges in pure maths: the strict verdict parser, the mapping of each order back to A/B,
the combined verdict, swap consistency, position bias, and agreement with people beside an average
single person's (leave-one-out)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.model_judges import (
    BOTH_BAD,
    FIRST,
    NEED_CHECK,
    OK,
    PAIR_CHOICES,
    PAIRWISE,
    PREFERENCES,
    SECOND,
    TIE,
    choice_of_order,
    combined_verdict,
    majority_preference,
    pairwise_agreement,
    parse_judgement,
    parse_pairwise_verdict,
    position_bias,
    preferred_of_order,
    swap_consistency,
)

# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("answer", "choice"),
    [
        ('{"verdict": "1", "reason": "更完整"}', FIRST),
        ('{"verdict": 2, "reason": ""}', SECOND),
        ('```json\n{"verdict": "tie", "reason": "x"}\n```', TIE),
        ('结论如下：{"verdict": "both bad", "reason": "都有风险"}。', BOTH_BAD),
        ('{"Verdict": "Answer 1", "reason": "x"}', FIRST),
        ("｛＂verdict＂: ＂２＂, ＂reason＂: ＂好＂｝", SECOND),
        ('{"verdict": "回答2", "reason": "x"}', SECOND),
        ('{"verdict": "平局"}', TIE),
        ('{"verdict": "都不好", "reason": "x"}', BOTH_BAD),
        ('{"verdict": 1.0, "reason": "x"}', FIRST),
    ],
)
def test_a_pairwise_verdict_is_read_in_the_terms_the_judge_saw(answer, choice):
    parsed = parse_judgement(answer, kind=PAIRWISE)

    assert (parsed.status, parsed.choice, parsed.error) == (OK, choice, "")


@pytest.mark.parametrize(
    "answer",
    [
        "回答1更好。",
        "[[A]]",
        '{"verdict": "A", "reason": "x"}',
        '{"verdict": "1 or 2", "reason": "x"}',
        '{"verdict": 3, "reason": "x"}',
        '{"verdict": true, "reason": "x"}',
        '{"verdict": "", "reason": "x"}',
        '{"reason": "x"}',
        '{"verdict": "1", "reason": 5}',
        '{"verdict": "1"} {"verdict": "2"}',
        '{"verdict": ["1"], "reason": "x"}',
        "",
    ],
)
def test_an_unreadable_pairwise_answer_is_need_check_with_no_choice(answer):
    parsed = parse_pairwise_verdict(answer)

    assert parsed.status == NEED_CHECK
    assert parsed.choice == ""
    assert parsed.error


@given(st.text(max_size=200))
def test_the_pairwise_parser_never_guesses_on_any_text(text):
    parsed = parse_pairwise_verdict(text)

    assert (parsed.status, parsed.choice in PAIR_CHOICES) in ((OK, True), (NEED_CHECK, False))
    if parsed.status == NEED_CHECK:
        assert parsed.choice == ""
        assert parsed.error


@given(st.sampled_from(PAIR_CHOICES), st.text(max_size=50))
def test_any_valid_verdict_with_any_reason_is_read_back(choice, reason):
    answer = json.dumps({"verdict": choice, "reason": reason}, ensure_ascii=False)

    parsed = parse_pairwise_verdict(answer)

    assert parsed.status == OK
    assert parsed.choice == choice


# ---------------------------------------------------------------- orders


def test_answer_1_is_a_in_the_first_order_and_b_in_the_swapped_one():
    assert preferred_of_order(FIRST, swapped=False) == "a"
    assert preferred_of_order(FIRST, swapped=True) == "b"
    assert preferred_of_order(SECOND, swapped=False) == "b"
    assert preferred_of_order(SECOND, swapped=True) == "a"
    assert preferred_of_order(TIE, swapped=True) == TIE
    assert preferred_of_order(BOTH_BAD, swapped=False) == BOTH_BAD


@given(st.sampled_from(PAIR_CHOICES), st.booleans())
def test_the_mapping_to_a_and_b_is_undone_by_its_inverse(choice, swapped):
    assert choice_of_order(preferred_of_order(choice, swapped=swapped), swapped=swapped) == choice


def test_a_judge_that_always_picks_answer_1_prefers_opposite_sides_in_the_two_orders():
    first, second = preferred_of_order(FIRST, swapped=False), preferred_of_order(FIRST, swapped=True)

    assert combined_verdict(first, second) == (TIE, False)


@pytest.mark.parametrize(
    ("a_first", "b_first", "expected"),
    [
        ("a", "a", ("a", True)),
        ("b", "b", ("b", True)),
        ("both_bad", "both_bad", ("both_bad", True)),
        ("a", "b", (TIE, False)),
        ("a", TIE, (TIE, False)),
        (BOTH_BAD, "b", (TIE, False)),
        ("a", None, (None, None)),
        (None, None, (None, None)),
    ],
)
def test_two_orders_that_agree_give_their_verdict_and_otherwise_a_tie(a_first, b_first, expected):
    assert combined_verdict(a_first, b_first) == expected


def test_swap_consistency_counts_only_pairs_read_in_both_orders():
    estimate = swap_consistency(["a", "a", "b", None, TIE], ["a", "b", "b", "a", TIE])

    assert estimate.n == 4
    assert estimate.value == pytest.approx(3 / 4)
    assert estimate.ci_low < 0.75 < estimate.ci_high


def test_swap_consistency_of_no_pair_is_not_a_number():
    assert math.isnan(swap_consistency([None], ["a"]).value)


def test_position_bias_is_the_share_of_decisive_answers_for_answer_1():
    estimate = position_bias([FIRST, FIRST, FIRST, SECOND, TIE, BOTH_BAD, None])

    assert (estimate.n, estimate.value) == (4, 0.75)


# ---------------------------------------------------------------- agreement with people


@pytest.mark.parametrize(
    ("votes", "majority"),
    [
        (["a", "a", "b"], "a"),
        (["a", "b", TIE], None),
        (["a", "b"], None),
        (["b"], "b"),
        ([], None),
        ([TIE, TIE, "a", "a"], None),
        ([BOTH_BAD, BOTH_BAD, "a"], BOTH_BAD),
    ],
)
def test_the_peoples_majority_is_a_strict_majority(votes, majority):
    assert majority_preference(votes) == majority


def test_the_judge_and_an_average_person_are_measured_on_the_same_items():
    votes = [
        ["a", "a", "a"],  # majority a; every person agrees with the others
        ["a", "a", "b"],  # majority a; the b voter disagrees, each a voter's others tie (1:1)
        ["a", "b", TIE],  # no majority: left out
        ["b", "b", "b"],  # the judge has no verdict here: left out for both
    ]
    judge = ["a", "b", "a", None]

    result = pairwise_agreement(votes, judge)

    assert result.items == 2
    assert (result.judge.value, result.judge.n) == (0.5, 2)
    # Item 1: three votes, each agreeing with a majority of two; item 2: the b vote's others
    # say a (disagrees); each a vote's others are a and b, no majority.
    assert (result.person.n, result.person.value) == (4, 0.75)


def test_ties_are_left_out_of_the_decisive_agreement():
    votes = [["a", "a", "a"], [TIE, TIE, TIE], ["b", "b", "a"]]
    judge = ["a", TIE, "a"]

    result = pairwise_agreement(votes, judge)

    assert (result.judge.value, result.judge.n) == (pytest.approx(2 / 3), 3)
    assert (result.judge_decisive.value, result.judge_decisive.n) == (0.5, 2)
    assert result.person_decisive.n == 4  # item 1 (3) and item 3's a vote against b, b


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(PREFERENCES), min_size=0, max_size=5),
            st.one_of(st.none(), st.sampled_from(PREFERENCES)),
        ),
        max_size=30,
    )
)
def test_agreement_rates_are_shares_of_the_items_with_both_a_majority_and_a_verdict(rows):
    votes = [v for v, _ in rows]
    judge = [j for _, j in rows]

    result = pairwise_agreement(votes, judge)

    expected = sum(j is not None and majority_preference(v) is not None for v, j in rows)
    assert result.items == result.judge.n == expected
    for estimate in (result.judge, result.person, result.judge_decisive, result.person_decisive):
        assert estimate.n == 0 or 0.0 <= estimate.value <= 1.0
    assert result.judge_decisive.n <= result.judge.n
    assert result.person_decisive.n <= result.person.n


def test_a_judge_that_copies_the_majority_agrees_fully_while_people_may_not():
    votes = [["a", "a", "b"], ["b", "b", "a"], ["a", "a", "a"]]

    result = pairwise_agreement(votes, [majority_preference(v) for v in votes])

    assert result.judge.value == 1.0
    assert result.person.value < 1.0
