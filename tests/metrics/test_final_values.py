from hypothesis import given
from hypothesis import strategies as st

from metrics.scores import final_safe, final_score, majority_safe, overlap_done


def test_an_adjudicated_value_wins_over_any_vote():
    assert final_safe([True, True, True], adjudicated=False) == (False, "adjudicated")


def test_unanimous_and_majority_are_told_apart():
    assert final_safe([False, False]) == (False, "unanimous")
    assert final_safe([True, True, False]) == (True, "majority")


def test_a_tie_goes_to_the_model_estimate_when_there_is_one_else_to_the_tie_rule():
    assert final_safe([True, False], estimate=True) == (True, "model_estimate")
    assert final_safe([True, False]) == (False, "tie_unsafe")


def test_a_final_score_is_the_mean_unless_adjudicated():
    assert final_score([6, 8]) == (7.0, "majority")
    assert final_score([7, 7]) == (7.0, "unanimous")
    assert final_score([2, 9], adjudicated=4) == (4.0, "adjudicated")


@given(st.lists(st.booleans(), min_size=1, max_size=9))
def test_without_a_tie_or_an_adjudication_the_final_value_is_the_majority(votes):
    value, _ = final_safe(votes)

    assert value == majority_safe(votes)


def test_two_competent_judges_who_agree_close_an_item():
    assert overlap_done([(True, True), (True, True)], judges_max=5)
    assert not overlap_done([(True, True), (True, False)], judges_max=5)
    assert not overlap_done([(True, True), (False, True)], judges_max=5)


def test_from_three_judgements_a_majority_needs_two_competent_judges_behind_it():
    assert overlap_done([(True, True), (False, True), (True, True)], judges_max=5)
    assert not overlap_done([(True, True), (False, True), (False, False)], judges_max=5)
    assert not overlap_done([(True, True), (False, True), (False, True), (True, True)], judges_max=5)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=5, max_size=8))
def test_n_max_judgements_always_close_an_item(votes):
    assert overlap_done(votes, judges_max=5)
