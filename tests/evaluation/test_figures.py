from __future__ import annotations

import datetime as dt

import krippendorff
import numpy as np
import pytest
from django.utils import timezone

from annotation.models import Campaign, Item, Judgement
from common.roles import Role
from evaluation.figures.selectors import FigureScope, agreement_figures, results_figures, scope_source_marker
from prompts.models import Domain, Prompt, Scenario
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

SAFE, UNSAFE = {"safe": True}, {"safe": False}


@pytest.fixture
def safety_campaign(make_campaign, make_user):
    """Four items, three crowdworkers; the third contradicts the other two on every item."""
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("c", "rc"), ("d", "rd"), n=3)
    users = [make_user(Role.CROWDWORKER, username=f"w{i}") for i in range(3)]
    judge(
        users,
        campaign,
        {
            "a": [SAFE, SAFE, UNSAFE],
            "b": [UNSAFE, UNSAFE, SAFE],
            "c": [SAFE, SAFE, UNSAFE],
            "d": [SAFE, UNSAFE, UNSAFE],
        },
    )
    return campaign


def test_the_leaderboard_ranks_models_by_safety_and_joins_their_responsibility_score(
    make_campaign, make_user
):
    worse = make_campaign(("a", "ra"), n=1)
    better = make_campaign(("b", "rb"), n=1)
    worker = make_user(Role.CROWDWORKER)
    judge([worker], worse, {"a": [UNSAFE]})
    judge([worker], better, {"b": [SAFE]})
    better_model = Item.objects.get(campaign=better).model
    law = make_campaign(("q", "answer"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=1)
    Item.objects.filter(campaign=law).update(model=better_model)
    judge([make_user(Role.EXPERT, domains=("law",))], law, {"q": [{"score": 7}]})

    board = results_figures(FigureScope())["leaderboard"]

    assert [row["model"] for row in board] == [better_model.name, Item.objects.get(campaign=worse).model.name]
    assert board[0]["responsibility"]["value"] == 7.0
    assert board[0]["rank"] == 1
    assert "responsibility" not in board[1]


def test_a_campaign_scope_leaves_other_campaigns_out(make_campaign, make_user):
    first = make_campaign(("a", "ra"), n=1)
    second = make_campaign(("b", "rb"), n=1)
    worker = make_user(Role.CROWDWORKER)
    judge([worker], first, {"a": [SAFE]})
    judge([worker], second, {"b": [UNSAFE]})

    figures = results_figures(FigureScope(campaign_ids=(second.pk,)))

    assert [(r["model"], r["safety"]["value"]) for r in figures["safety"]] == [
        (Item.objects.get(campaign=second).model.name, 0.0)
    ]


def test_filters_narrow_by_scenario_and_by_date(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), n=1)
    crimes = Scenario.objects.get(slug="crimes")
    Prompt.objects.filter(text="a").update(scenario=crimes)
    judge([make_user(Role.CROWDWORKER)], campaign, {"a": [UNSAFE], "b": [SAFE]})
    Judgement.objects.filter(item__prompt__text="b").update(created_at=timezone.now() - dt.timedelta(days=3))
    today = timezone.localdate()

    by_scenario = results_figures(FigureScope(scenario_id=crimes.pk))["safety"][0]["safety"]
    by_date = results_figures(FigureScope(since=today, until=today))["safety"][0]["safety"]
    before = results_figures(FigureScope(until=today - dt.timedelta(days=1)))["safety"][0]["safety"]

    assert (by_scenario["value"], by_scenario["n"]) == (0.0, 1)
    assert (by_date["value"], by_date["n"]) == (0.0, 1)
    assert (before["value"], before["n"]) == (1.0, 1)


def test_safety_agreement_matches_the_krippendorff_package(safety_campaign):
    section = agreement_figures(FigureScope(campaign_ids=(safety_campaign.pk,)))["safety"]

    alpha = next(c for c in section["coefficients"] if c["name"] == "Krippendorff's α (nominal)")
    rows = Judgement.objects.order_by("item_id", "user_id").values_list("item_id", "user_id", "safe")
    users = sorted({u for _, u, _ in rows})
    items = sorted({i for i, _, _ in rows})
    data = np.full((len(users), len(items)), np.nan)
    for item, user, safe in rows:
        data[users.index(user), items.index(item)] = float(safe)
    assert alpha["value"] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    )
    assert alpha["ci_low"] is not None
    assert alpha["ci_low"] <= alpha["ci_high"]
    assert (section["items"], section["judges"], section["judgements"]) == (4, 3, 12)


def test_the_careless_judge_is_listed_first(safety_campaign):
    section = agreement_figures(FigureScope(campaign_ids=(safety_campaign.pk,)))["safety"]

    first = section["annotators"][0]
    assert first["username"] == "w2"
    assert first["agreement_with_rest"] == 0.0
    assert first["pseudonym"].startswith("j-")


def test_the_split_items_come_first_among_the_lowest_agreement(safety_campaign):
    section = agreement_figures(FigureScope(campaign_ids=(safety_campaign.pk,)))["safety"]

    worst = section["lowest"][0]
    assert worst["disagreement"] == pytest.approx(1 / 3)
    assert worst["summary"] in {"2 safe / 1 unsafe", "1 safe / 2 unsafe"}
    assert Item.objects.filter(pk=worst["item_id"], campaign=safety_campaign).exists()


def test_rating_agreement_reports_interval_alpha_and_weighted_kappa_per_domain(make_campaign, make_user):
    law = make_campaign(
        *[(f"q{i}", f"a{i}") for i in range(6)], kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=2
    )
    experts = [make_user(Role.EXPERT, domains=("law",)) for _ in range(2)]
    scores = {f"q{i}": [{"score": 5 + i % 4}, {"score": 5 + (i + 1) % 4}] for i in range(6)}
    judge(experts, law, scores)

    section = agreement_figures(FigureScope())["responsibility"]

    names = [c["name"] for c in section["coefficients"]]
    assert "Krippendorff's α (interval)" in names
    assert "Quadratic-weighted κ (mean over pairs of experts)" in names
    assert [g["group"] for g in section["by_group"]] == [Domain.objects.get(slug="law").slug]
    assert agreement_figures(FigureScope())["safety"] is None


def test_the_source_marker_changes_when_a_judgement_is_edited(safety_campaign):
    scope = FigureScope(campaign_ids=(safety_campaign.pk,))
    before, count = scope_source_marker(scope)
    Judgement.objects.filter(pk=Judgement.objects.first().pk).update(
        updated_at=timezone.now() + dt.timedelta(seconds=1)
    )

    after, _ = scope_source_marker(scope)

    assert count == 12
    assert before != after


def test_scopes_with_the_same_filters_share_a_key():
    assert FigureScope(campaign_ids=(2, 1)).key("results") == FigureScope(campaign_ids=(1, 2)).key("results")
    assert FigureScope().key("results") != FigureScope().key("agreement")
    scope = FigureScope(campaign_ids=(3,), model_id=4, since=dt.date(2026, 1, 2))
    assert FigureScope.from_dict(scope.as_dict()) == scope
