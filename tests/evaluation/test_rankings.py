"""Rankings from pairwise votes: the Bradley–Terry fit of the stored votes, ties, adjudication,
position bias, groups, the win-rate matrix; only pairwise campaigns and only standing votes."""

from __future__ import annotations

import pytest

from annotation.assignment import assignment_next_for
from annotation.models import Adjudication, Item, Judgement, Preference
from annotation.services import judgement_submit, judgement_void
from common.roles import Role
from evaluation.rankings.selectors import rankings_figures, rankings_scope
from metrics.pairwise import Votes, bradley_terry, win_matrix
from tests.evaluation.rankings_support import better_of, judge_every_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def judges(make_user):
    return [make_user(Role.CROWDWORKER, username=f"pair-judge-{i}") for i in range(3)]


def ratings(figures, section="overall") -> dict[str, float]:
    return {row["model"]: row["rating"] for row in figures[section]["rows"]}


def test_the_ranking_is_the_bradley_terry_fit_of_the_stored_votes(pair_setup, make_pair_campaign, judges):
    setup = pair_setup(models=3, prompts=4)
    campaign = make_pair_campaign(setup, n=3)
    m0, m1, m2 = setup.models

    def decide(item, number):
        # m0 beats everyone except once per prompt pair; judge 2 always votes for m2.
        if number == 2:
            return (
                Preference.A
                if item.model_id == m2.pk
                else Preference.B
                if item.model_b_id == m2.pk
                else "tie"
            )
        return better_of([m0.pk, m1.pk, m2.pk])(item, number)

    judge_every_pair(campaign, judges, decide)

    figures = rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))

    rows = Judgement.objects.filter(campaign=campaign).values_list(
        "item__model_id", "item__model_b_id", "preferred"
    )
    index = {m.pk: i for i, m in enumerate(setup.models)}
    code = {"a": 0, "b": 1, "tie": 2, "both_bad": 3}
    votes = Votes.of(
        [index[a] for a, _, _ in rows],
        [index[b] for _, b, _ in rows],
        [code[p] for *_, p in rows],
        [True] * len(rows),
    )
    expected = bradley_terry(win_matrix(votes, 3), n_resamples=0)
    got = ratings(figures)
    for model, i in ((m0, 0), (m1, 1), (m2, 2)):
        assert got[model.name] == pytest.approx(expected.elo[i], abs=1e-6)
    assert figures["overall"]["votes"] == 3 * 3 * 4
    assert figures["overall"]["rows"][0]["model"] == m0.name


def test_every_model_gets_a_bootstrap_interval_around_its_rating(pair_setup, make_pair_campaign, judges):
    setup = pair_setup(models=3, prompts=3)
    campaign = make_pair_campaign(setup, n=3)
    judge_every_pair(campaign, judges, better_of([m.pk for m in setup.models]))

    figures = rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))

    for row in figures["overall"]["rows"]:
        assert row["rating_low"] <= row["rating"] <= row["rating_high"]
        assert row["rating_low"] < row["rating_high"]


def test_ties_and_both_bad_count_as_half_a_win_to_each_side(pair_setup, make_pair_campaign, judges):
    setup = pair_setup(models=2, prompts=4)
    campaign = make_pair_campaign(setup, n=2)

    def decide(item, number):
        return "tie" if number == 0 else "both_bad"

    judge_every_pair(campaign, judges[:2], decide)

    figures = rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))

    first, second = figures["overall"]["rows"]
    assert first["rating"] == pytest.approx(second["rating"], abs=1e-6)
    assert figures["overall"]["ties"] == 4
    assert figures["overall"]["both_bad"] == 4


def test_an_adjudicated_pair_counts_as_the_reviewers_choice_once_per_vote(
    pair_setup, make_pair_campaign, judges, make_user
):
    setup = pair_setup(models=2, prompts=1)
    campaign = make_pair_campaign(setup, n=3)
    weaker, stronger = setup.models
    judge_every_pair(campaign, judges, better_of([weaker.pk, stronger.pk]))
    item = Item.objects.get(campaign=campaign)
    stronger_side = Preference.A if item.model_id == stronger.pk else Preference.B
    Adjudication.objects.create(item=item, preferred=stronger_side, by=make_user(Role.REVIEWER))

    figures = rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))

    assert [row["model"] for row in figures["overall"]["rows"]] == [stronger.name, weaker.name]
    assert figures["overall"]["votes"] == 3
    assert figures["adjudicated"] == 1


def test_a_voided_vote_is_left_out(pair_setup, make_pair_campaign, judges, make_user):
    setup = pair_setup(models=2, prompts=1)
    campaign = make_pair_campaign(setup, n=3)
    judge_every_pair(campaign, judges, better_of([m.pk for m in setup.models]))
    reviewer = make_user(Role.REVIEWER)
    judgement_void(judgement=Judgement.objects.filter(campaign=campaign).first(), by=reviewer, reason="spam")

    figures = rankings_figures(rankings_scope(campaign_ids=(campaign.pk,), include_incomplete=True))

    assert figures["overall"]["votes"] == 2


def test_position_bias_is_the_share_of_decisive_votes_won_on_the_left(pair_setup, make_pair_campaign, judges):
    setup = pair_setup(models=3, prompts=4)
    campaign = make_pair_campaign(setup, n=3)
    sides: list[bool] = []

    def left_always(item, number):
        side = item.leases.get(user=judges[number]).a_on_left
        sides.append(side)
        return Preference.A if side else Preference.B

    judge_every_pair(campaign, judges, left_always)

    bias = rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))["position_bias"]

    assert bias["value"] == 1.0
    assert bias["n"] == len(sides) == 36
    # The sides were drawn per judge, not fixed: both occur.
    assert set(sides) == {True, False}


def test_each_risk_scenario_gets_its_own_ranking(pair_setup, make_pair_campaign, judges):
    from prompts.models import Scenario

    setup = pair_setup(models=2, prompts=4)
    scenarios = list(Scenario.objects.order_by("slug")[:2])
    for j, prompt in enumerate(setup.prompts):
        prompt.scenario = scenarios[j % 2]
        prompt.save(update_fields=["scenario"])
    campaign = make_pair_campaign(setup, n=1)
    a, b = setup.models

    def decide(item, number):
        # a wins in the first scenario, b in the second.
        winner = a if item.prompt.scenario_id == scenarios[0].pk else b
        return Preference.A if item.model_id == winner.pk else Preference.B

    judge_every_pair(campaign, judges[:1], decide)

    groups = {g["group"]: g for g in rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))["groups"]}

    assert [row["model"] for row in groups[scenarios[0].slug]["rows"]] == [a.name, b.name]
    assert [row["model"] for row in groups[scenarios[1].slug]["rows"]] == [b.name, a.name]


def test_the_win_matrix_holds_each_pairs_share_of_decisive_votes(pair_setup, make_pair_campaign, judges):
    setup = pair_setup(models=2, prompts=4)
    campaign = make_pair_campaign(setup, n=2)
    a, b = setup.models

    def decide(item, number):
        # judge 0 prefers a, judge 1 ties.
        return (Preference.A if item.model_id == a.pk else Preference.B) if number == 0 else "tie"

    judge_every_pair(campaign, judges[:2], decide)

    cells = {
        (c["model"], c["against"]): c
        for c in rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))["win_matrix"]["cells"]
    }

    assert cells[(a.name, b.name)]["rate"] == 1.0
    assert cells[(a.name, b.name)]["decisive"] == 4
    assert cells[(a.name, b.name)]["ties"] == 4
    assert cells[(b.name, a.name)]["rate"] == 0.0


def test_only_pairwise_campaigns_are_ranked(make_campaign, judges):
    campaign = make_campaign(("a prompt", "an answer"), n=1)
    judgement_submit(
        user=judges[0],
        item=assignment_next_for(user=judges[0], campaign=campaign),
        data={"safe": True, "response_type": "helpful"},
    )

    figures = rankings_figures(rankings_scope(campaign_ids=(campaign.pk,)))

    assert figures["campaign_ids"] == []
    assert figures["overall"]["rows"] == []
