"""Each judge's reliability without gold: Dawid–Skene and MACE on the agreement page, the
Dawid–Skene labels beside the majority on Results, in the API and in the dataset card."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.models import Campaign, Item
from annotation.services import judgement_submit
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope, agreement_figures, judge_gold_accuracy, results_figures
from evaluation.figures.services import figure_snapshot_compute
from evaluation.models import Export, FigureSnapshot
from metrics.scores import proportion
from tests.annotation.fixtures import lease_give
from tests.evaluation.export_support import jsonl, zip_members
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"


def _truly_safe(i: int) -> bool:
    return i % 2 == 0 or i >= 14


@pytest.fixture
def outvoted(make_campaign, make_user):
    """20 responses of one model, truly safe when ``_truly_safe``. Four careful crowdworkers are
    always right, two contrarians always wrong. Responses 0–13 get two careful judges and one
    contrarian (the majority is right); 14–19 get both contrarians and one careful judge (the
    majority is wrong: it calls six safe responses unsafe)."""
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(20)], n=3)
    careful = [make_user(Role.CROWDWORKER, username=f"careful-{k}") for k in range(4)]
    contrarians = [make_user(Role.CROWDWORKER, username=f"contrarian-{k}{XSS}") for k in range(2)]
    for i in range(20):
        item = Item.objects.get(campaign=campaign, prompt__text=f"p{i}")
        truth = _truly_safe(i)
        if i < 14:
            judges = [(careful[i % 4], truth), (careful[(i + 1) % 4], truth), (contrarians[i % 2], not truth)]
        else:
            judges = [(contrarians[0], not truth), (contrarians[1], not truth), (careful[i % 4], truth)]
        for user, safe in judges:
            lease_give(user=user, item=item)  # a submit needs the judge's lease (issue 12)
            judgement_submit(user=user, item=item, data={"safe": safe})
    return campaign


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


def _annotators(figures, level="safety"):
    return {a["username"]: a for a in figures[level]["annotators"]}


# ---------------------------------------------------------------- agreement: competence per judge


def test_dawid_skene_and_mace_rank_the_contrarians_below_every_careful_judge(outvoted):
    annotators = _annotators(agreement_figures(FigureScope(campaign_ids=(outvoted.pk,))))

    careful = [a for name, a in annotators.items() if name.startswith("careful")]
    contrarians = [a for name, a in annotators.items() if name.startswith("contrarian")]
    assert max(a["ds_accuracy"] for a in contrarians) < 0.2 < 0.8 < min(a["ds_accuracy"] for a in careful)
    assert max(a["mace_competence"] for a in contrarians) < min(a["mace_competence"] for a in careful)


def test_a_judge_who_calls_everything_safe_clears_safe_responses_but_catches_nothing(
    make_campaign, make_user
):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(12)], n=4)
    careful = [make_user(Role.CROWDWORKER, username=f"careful-{k}") for k in range(3)]
    lenient = make_user(Role.CROWDWORKER, username="lenient")
    verdicts = {f"p{i}": [{"safe": i % 3 != 0}] * 3 + [{"safe": True}] for i in range(12)}
    judge([*careful, lenient], campaign, verdicts)

    annotators = _annotators(agreement_figures(FigureScope(campaign_ids=(campaign.pk,))))

    assert annotators["lenient"]["ds_clears_safe"] > 0.9
    assert annotators["lenient"]["ds_catches_unsafe"] < 0.1
    assert annotators["careful-0"]["ds_catches_unsafe"] > 0.9


def test_a_harsh_expert_gets_a_negative_bias_and_the_others_a_positive_one(make_campaign, make_user):
    campaign = make_campaign(
        *[(f"q{i}", f"a{i}") for i in range(6)], kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=3
    )
    experts = [make_user(Role.EXPERT, domains=("law",), username=f"expert-{k}") for k in range(3)]
    judge(experts, campaign, {f"q{i}": [{"score": 8}, {"score": 8}, {"score": 5}] for i in range(6)})

    annotators = _annotators(agreement_figures(FigureScope(campaign_ids=(campaign.pk,))), "responsibility")

    assert annotators["expert-2"]["bias"] == -3.0
    assert annotators["expert-2"]["spread"] == 0.0
    assert annotators["expert-0"]["bias"] == 1.5
    assert annotators["expert-0"]["consensus_items"] == 6


def test_the_agreement_section_says_how_the_fits_went(outvoted):
    reliability = agreement_figures(FigureScope(campaign_ids=(outvoted.pk,)))["safety"]["reliability"]

    assert reliability["dawid_skene"]["differs_from_majority"] == 6
    assert reliability["dawid_skene"]["converged"]
    assert reliability["gold_judges"] == 0


def test_gold_accuracy_is_empty_until_gold_items_exist(outvoted):
    scope = FigureScope(campaign_ids=(outvoted.pk,))

    assert judge_gold_accuracy(scope=scope, kind=Campaign.Kind.SAFETY) == {}
    assert all(a["gold_accuracy"] is None for a in _annotators(agreement_figures(scope)).values())


def test_gold_accuracy_sits_beside_competence_when_the_gold_selector_has_it(outvoted):
    careful = _annotators(agreement_figures(FigureScope(campaign_ids=(outvoted.pk,))))["careful-0"]
    gold = {careful["user_id"]: proportion(9, 10)}

    with mock.patch("evaluation.figures.selectors.judge_gold_accuracy", return_value=gold):
        figures = agreement_figures(FigureScope(campaign_ids=(outvoted.pk,)))

    row = _annotators(figures)["careful-0"]
    assert row["gold_accuracy"]["value"] == 0.9
    assert row["gold_accuracy"]["n"] == 10
    assert row["ds_accuracy"] is not None
    assert figures["safety"]["reliability"]["gold_judges"] == 1


# ---------------------------------------------------------------- results: DS labels beside the majority


def test_results_show_the_dawid_skene_safety_score_beside_the_majority(outvoted):
    figures = results_figures(FigureScope(campaign_ids=(outvoted.pk,)))

    row = figures["leaderboard"][0]
    assert row["safety"]["value"] == pytest.approx(7 / 20)
    assert row["safety_dawid_skene"]["value"] == pytest.approx(13 / 20)
    assert row["safety_dawid_skene"]["ci_low"] < 13 / 20 < row["safety_dawid_skene"]["ci_high"]
    assert figures["safety"][0]["safety_dawid_skene"] == row["safety_dawid_skene"]
    assert figures["dawid_skene"]["differs_from_majority"] == 6
    assert figures["dawid_skene"]["items"] == 20


def test_results_without_safety_judgements_have_no_dawid_skene_score(make_campaign, make_user):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=1)
    judge([make_user(Role.EXPERT, domains=("law",))], campaign, {"q": [{"score": 7}]})

    figures = results_figures(FigureScope())

    assert figures["dawid_skene"]["items"] == 0
    assert "safety_dawid_skene" not in figures["leaderboard"][0]


# ---------------------------------------------------------------- pages, API, dataset card


def _computed(client, url):
    client.get(url)  # queues the snapshot
    snapshot = FigureSnapshot.objects.filter(status=FigureSnapshot.Status.PENDING).get()
    figure_snapshot_compute(snapshot_id=snapshot.pk)
    return client.get(url).text


def test_the_agreement_page_shows_competence_and_gold_side_by_side_escaped(client, reviewer, outvoted):
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_agreement", args=[outvoted.pk]))

    assert "Competence (Dawid–Skene)" in page
    assert "MACE competence" in page
    assert "Gold accuracy appears once gold items exist." in page
    assert 'data-k="gold_accuracy">—' in page
    assert "its label differs from the majority vote on 6 items" in page
    assert XSS not in page
    assert "contrarian-0&lt;script&gt;" in page


def test_the_agreement_page_shows_bias_and_spread_for_experts(client, reviewer, make_campaign, make_user):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=2)
    experts = [make_user(Role.EXPERT, domains=("law",)) for _ in range(2)]
    judge(experts, campaign, {"q": [{"score": 9}, {"score": 6}]})
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_agreement", args=[campaign.pk]))

    assert 'data-k="bias">+3.00' in page
    assert 'data-k="bias">-3.00' in page


def test_the_results_page_shows_the_dawid_skene_score_next_to_the_majority(client, reviewer, outvoted):
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_results", args=[outvoted.pk]))

    assert 'data-k="safety">35.0%' in page
    assert 'data-k="safety_dawid_skene">65.0%' in page
    assert "differs from the majority vote on 6 of 20 responses" in page


def test_the_results_api_carries_the_dawid_skene_score(client, reviewer, outvoted):
    auth = {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}
    url = reverse("api:campaign_results", args=[outvoted.pk])
    client.get(url, headers=auth)
    figure_snapshot_compute(snapshot_id=FigureSnapshot.objects.get().pk)

    body = client.get(url, headers=auth).json()

    assert body["figures"]["leaderboard"][0]["safety_dawid_skene"]["value"] == pytest.approx(0.65)
    assert body["figures"]["dawid_skene"]["differs_from_majority"] == 6


def test_the_dataset_card_and_models_file_carry_the_dawid_skene_score_and_competence(outvoted):
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(outvoted.pk,)),
        enqueue=False,
    )
    members = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))
    card = members["README.md"].decode()
    models = jsonl(members["models.jsonl"])

    assert "| safety by Dawid–Skene |" in card
    assert "| 35.0% (n = 20) | 65.0% |" in card
    assert "## Judges' competence" in card
    assert "contrarian" not in card  # pseudonyms only
    by_ds = [r for r in models if r["metric"] == "safety_dawid_skene"]
    assert by_ds[0]["value"] == pytest.approx(0.65)
