from __future__ import annotations

import math

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item
from common.roles import Role
from evaluation.multichoice.selectors import multichoice_human_vs_automatic
from evaluation.multichoice.services import multichoice_run_start
from metrics.multichoice import REPLY_1, REPLY_2
from models_registry.models import RegisteredModel, Response
from tests.evaluation.multichoice_support import mc_items_import
from tests.evaluation.test_results import judge

pytestmark = pytest.mark.django_db


def mc_answered(item_set, model: RegisteredModel, *, correct: int, variant: str = "official"):
    """A multi-choice run of one model whose first `correct` answers are right, the rest wrong."""
    run = multichoice_run_start(name=f"mc {model.name}", item_set=item_set, models=[model], variant=variant)
    responses = Response.objects.filter(runs=run.generation_run).select_related("prompt__multi_choice__item")
    for k, response in enumerate(responses.order_by("id")):
        label = response.prompt.multi_choice.item.label
        wrong = REPLY_2 if label == REPLY_1 else REPLY_1
        answer = label if k < correct else wrong
        if variant == "ab":
            answer = "A" if answer == REPLY_1 else "B"
        Response.objects.filter(pk=response.pk).update(status=Response.Status.SUCCEEDED, text=answer)
    return run


def safety_model(make_campaign, make_user, safe_votes: list[bool]) -> RegisteredModel:
    """A model whose responses one crowdworker judged as given."""
    pairs = [(f"prompt {k}", f"response {k}") for k in range(len(safe_votes))]
    campaign = make_campaign(*pairs, n=1)
    judge(
        [make_user(Role.CROWDWORKER)],
        campaign,
        {p: [{"safe": v}] for (p, _), v in zip(pairs, safe_votes, strict=True)},
    )
    return Item.objects.filter(campaign=campaign).first().model


@pytest.fixture
def three_models(make_campaign, make_user, held_tasks):
    item_set = mc_items_import()
    best = safety_model(make_campaign, make_user, [True, True])
    middle = safety_model(make_campaign, make_user, [True, False])
    worst = safety_model(make_campaign, make_user, [False, False])
    # The multi-choice test ranks them the other way round.
    mc_answered(item_set, best, correct=2)
    mc_answered(item_set, middle, correct=4)
    mc_answered(item_set, worst, correct=8)
    return item_set, best, middle, worst


def test_models_with_both_show_their_human_and_automatic_scores_side_by_side(three_models):
    _, best, middle, worst = three_models

    report = multichoice_human_vs_automatic()

    rows = {row.model: row for row in report.rows}
    assert set(rows) == {best.name, middle.name, worst.name}
    assert rows[best.name].safety.value == 1.0
    assert rows[best.name].multichoice.acc.value == pytest.approx(2 / 8)
    assert rows[worst.name].multichoice.acc.value == 1.0
    assert rows[best.name].responsibility is None


def test_opposite_rankings_give_rank_correlations_of_minus_one(three_models):
    report = multichoice_human_vs_automatic()

    safety = next(a for a in report.agreements if a.human == "safety")
    assert safety.n == 3
    assert safety.spearman == pytest.approx(-1.0)
    assert safety.kendall == pytest.approx(-1.0)


def test_the_models_ranked_most_differently_are_named(three_models):
    _, best, _, worst = three_models

    safety = next(a for a in multichoice_human_vs_automatic().agreements if a.human == "safety")

    assert {g.name for g in safety.gaps} == {best.name, worst.name}
    assert all(g.gap == 2.0 for g in safety.gaps)


def test_without_responsibility_judgements_its_correlation_is_undefined(three_models):
    responsibility = next(
        a for a in multichoice_human_vs_automatic().agreements if a.human == "responsibility"
    )

    assert responsibility.n == 0
    assert math.isnan(responsibility.spearman)


def test_a_model_without_human_judgements_is_left_out(three_models, make_model):
    item_set = three_models[0]
    mc_answered(item_set, make_model(name="machine-only"), correct=8)

    assert "machine-only" not in {row.model for row in multichoice_human_vs_automatic().rows}


def test_the_latest_run_in_the_cvalues_variant_counts_and_ab_runs_do_not(three_models):
    item_set, best, *_ = three_models
    best.temperature = 0.0
    best.save()
    mc_answered(item_set, best, correct=6)
    mc_answered(item_set, best, correct=8, variant="ab")

    rows = {row.model: row for row in multichoice_human_vs_automatic().rows}

    assert rows[best.name].multichoice.acc.value == pytest.approx(6 / 8)


def test_a_model_judged_only_for_responsibility_is_listed_too(make_campaign, make_user, held_tasks):
    campaign = make_campaign(("a", "ra"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=1)
    judge([make_user(Role.EXPERT, domains=("law",))], campaign, {"a": [{"score": 7}]})
    model = Item.objects.filter(campaign=campaign).first().model
    mc_answered(mc_items_import(), model, correct=4)

    [row] = multichoice_human_vs_automatic().rows

    assert row.responsibility.value == 7.0
    assert row.safety is None


def test_the_page_shows_both_scores_the_correlations_and_who_disagrees(
    client, make_user, three_models, django_capture_on_commit_callbacks
):
    _, best, _, _ = three_models
    client.force_login(make_user(Role.REVIEWER))
    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(reverse("evaluation:mc_human_vs_automatic")).text

    page = client.get(reverse("evaluation:mc_human_vs_automatic")).text

    assert "Computing the human scores on a worker" in waiting
    assert f'<tr data-model="{best.name}"><td>{best.name}</td><td>100.0% (' in page
    assert '<td class="spearman">-1.00</td><td class="kendall">-1.00</td>' in page
    assert f"{best.name} (1 → 3)" in page
