"""Reliability bands (issue 28): every score and agreement figure is marked by the α of the
judgements under it, on the pages, in the API and in the dataset card; unreliable below 0.667,
tentative below 0.800, no mark above."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from annotation.models import Campaign
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import (
    FigureScope,
    agreement_figures,
    reliability_of,
    results_figures,
    scope_source_marker,
)
from evaluation.figures.services import (
    figure_snapshot_compute,
    figure_snapshot_request,
    figure_snapshots_refresh,
)
from evaluation.models import Export, FigureSnapshot
from evaluation.templatetags.estimates import band
from metrics.agreement import krippendorff_alpha
from prompts.models import Prompt, Scenario
from tests.evaluation.export_support import jsonl, zip_members
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

SAFE, UNSAFE = {"safe": True}, {"safe": False}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
# Twelve items, two judges: six agree (three safe, three unsafe), six split 1–1.
DISAGREE = {f"p{i}": ([SAFE, SAFE] if i < 3 else [UNSAFE, UNSAFE]) for i in range(6)} | {
    f"p{i}": ([SAFE, UNSAFE] if i % 2 else [UNSAFE, SAFE]) for i in range(6, 12)
}
AGREE = {f"p{i}": ([SAFE, SAFE] if i % 2 else [UNSAFE, UNSAFE]) for i in range(12)}


def _campaign(make_campaign, make_user, votes):
    campaign = make_campaign(*[(p, f"r-{p}") for p in votes], n=2)
    Prompt.objects.filter(responses__items__campaign=campaign).update(
        scenario=Scenario.objects.order_by("pk").first()
    )
    judge([make_user(Role.CROWDWORKER) for _ in range(2)], campaign, votes)
    return campaign


@pytest.fixture
def disagreeing(make_campaign, make_user):
    return _campaign(make_campaign, make_user, DISAGREE)


@pytest.fixture
def agreeing(make_campaign, make_user):
    return _campaign(make_campaign, make_user, AGREE)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


def _computed(client, url, **headers):
    client.get(url, headers=headers)  # queues the snapshot
    for snapshot in FigureSnapshot.objects.filter(status=FigureSnapshot.Status.PENDING):
        figure_snapshot_compute(snapshot_id=snapshot.pk)
    return client.get(url, headers=headers)


@pytest.mark.parametrize(
    ("alpha", "expected"),
    [
        (0.6669, "unreliable"),
        (0.667, "tentative"),
        (0.7999, "tentative"),
        (0.8, "reliable"),
        (1.0, "reliable"),
        (-0.2, "unreliable"),
        (None, None),
        (math.nan, None),
    ],
)
def test_the_bands_change_at_krippendorffs_thresholds(alpha, expected):
    assert reliability_of(alpha)["band"] == expected


@pytest.mark.parametrize(
    ("alpha", "word"),
    [(0.6669, "unreliable"), (0.667, "tentative"), (0.7999, "tentative"), (0.8, ""), (None, "no α")],
)
def test_the_badge_names_the_band_and_nothing_marks_a_reliable_figure(alpha, word):
    with translation.override("en"):
        badge = band({"value": 0.5, "reliability": reliability_of(alpha)})

    assert (f">{word}<" in badge) if word else badge == ""


def test_a_figure_from_before_the_marks_has_no_badge():
    assert band({"value": 0.5}) == ""


def test_each_safety_score_carries_the_alpha_of_the_judgements_it_counts(disagreeing):
    (row,) = results_figures(FigureScope(campaign_ids=(disagreeing.pk,)))["safety"]
    votes = np.array([[1.0 if v is SAFE else 0.0 for v in DISAGREE[p]] for p in DISAGREE])
    alpha = krippendorff_alpha(votes, "nominal").value

    assert row["safety"]["reliability"] == {"band": "unreliable", "alpha": pytest.approx(alpha)}
    (scenario,) = row["by_scenario"].values()
    assert scenario["reliability"]["alpha"] == pytest.approx(alpha)


def test_agreement_figures_are_marked_per_coefficient_and_per_scenario(disagreeing):
    section = agreement_figures(FigureScope(campaign_ids=(disagreeing.pk,)))["safety"]

    assert {c["reliability"]["band"] for c in section["coefficients"]} == {"unreliable"}
    assert [g["reliability"]["band"] for g in section["by_group"]] == ["unreliable"]
    assert section["overall_reliability"]["band"] == "unreliable"


def test_the_responsibility_mean_per_domain_carries_the_alpha_of_its_ratings(make_campaign, make_user):
    campaign = make_campaign(
        *[(f"q{i}", f"r{i}") for i in range(6)], kind=Campaign.Kind.RESPONSIBILITY, n=2, domain="law"
    )
    experts = [make_user(Role.EXPERT, domains=("law",)) for _ in range(2)]
    close = {f"q{i}": [{"score": s}, {"score": s}] for i, s in enumerate((5, 6, 7, 8, 9, 10))}
    judge(experts, campaign, close)

    (row,) = results_figures(FigureScope(campaign_ids=(campaign.pk,)))["responsibility"]

    assert row["by_domain"]["law"]["reliability"] == {"band": "reliable", "alpha": pytest.approx(1.0)}
    assert row["overall"]["reliability"]["band"] == "reliable"


def test_one_judgement_per_item_says_alpha_cannot_be_computed(make_campaign, make_user):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(4)], n=1)
    judge([make_user(Role.CROWDWORKER)], campaign, {f"p{i}": [SAFE if i % 2 else UNSAFE] for i in range(4)})

    (row,) = results_figures(FigureScope(campaign_ids=(campaign.pk,)))["safety"]

    assert row["safety"]["reliability"] == {"band": None, "alpha": None}


@pytest.mark.parametrize(("headers", "word"), [({}, "unreliable"), (ZH, "不可靠")])
def test_a_campaign_whose_judges_disagree_is_marked_unreliable_on_the_results_page(
    client, reviewer, disagreeing, headers, word
):
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_results", args=[disagreeing.pk]), **headers).text

    assert page.count('data-band="unreliable"') >= 2  # the leaderboard and the scenario table
    assert f">{word}<" in page
    assert 'data-k="band-legend"' in page


def test_a_campaign_whose_judges_disagree_is_marked_unreliable_on_the_agreement_page(
    client, reviewer, disagreeing
):
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_agreement", args=[disagreeing.pk])).text

    assert 'data-k="Krippendorff&#x27;s α (nominal)">' in page
    assert page.count('data-band="unreliable"') >= 5  # four coefficients and the scenario


def test_a_campaign_whose_judges_agree_shows_no_warning(client, reviewer, agreeing):
    client.force_login(reviewer)

    results = _computed(client, reverse("evaluation:campaign_results", args=[agreeing.pk])).text
    agreement = _computed(client, reverse("evaluation:campaign_agreement", args=[agreeing.pk])).text

    for page in (results, agreement):
        assert 'data-band="unreliable"' not in page
        assert 'data-band="tentative"' not in page


@pytest.mark.parametrize(("fixture", "expected"), [("disagreeing", "unreliable"), ("agreeing", "reliable")])
def test_the_api_carries_the_band_and_alpha(client, reviewer, request, fixture, expected):
    campaign = request.getfixturevalue(fixture)
    auth = {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}

    results = _computed(client, reverse("api:campaign_results", args=[campaign.pk]), **auth).json()
    agreement = _computed(client, reverse("api:campaign_agreement", args=[campaign.pk]), **auth).json()

    (row,) = results["figures"]["leaderboard"]
    assert row["safety"]["reliability"]["band"] == expected
    assert isinstance(row["safety"]["reliability"]["alpha"], float)
    coefficients = agreement["figures"]["safety"]["coefficients"]
    assert {c["reliability"]["band"] for c in coefficients} == {expected}


@pytest.mark.parametrize(("fixture", "expected"), [("disagreeing", "unreliable"), ("agreeing", "reliable")])
def test_the_dataset_card_marks_scores_and_agreement(request, fixture, expected):
    campaign = request.getfixturevalue(fixture)
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(campaign.pk,)),
        enqueue=False,
    )
    card = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))["README.md"].decode()

    assert "safety reliability" in card
    assert f"| {expected} (α = " in card
    other = "reliable (α = " if expected == "unreliable" else "unreliable (α = "
    assert f"| {other}" not in card


def test_the_models_file_carries_each_scores_alpha_and_band(disagreeing):
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(disagreeing.pk,)),
        enqueue=False,
    )
    members = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))
    rows = jsonl(members["models.jsonl"])

    safety = [r for r in rows if r["metric"] in ("safety", "safety_dawid_skene")]
    assert {r["reliability"] for r in safety} == {"unreliable"}
    assert all(isinstance(r["alpha"], float) for r in safety)
    assert {r["reliability"] for r in rows if r["metric"] == "rank"} == {""}


def test_snapshots_stored_before_the_marks_are_recomputed_by_the_refresh(
    disagreeing, django_capture_on_commit_callbacks
):
    scope = FigureScope(campaign_ids=(disagreeing.pk,))
    with django_capture_on_commit_callbacks(execute=True):
        figure_snapshot_request(kind=FigureSnapshot.Kind.RESULTS, scope=scope)
    # As a snapshot of the previous version was stored: its marker without the version, no marks.
    old_marker = hashlib.sha256(scope_source_marker(scope)[0].encode()).hexdigest()
    FigureSnapshot.objects.update(source_marker=old_marker, payload={"safety": []})

    with django_capture_on_commit_callbacks(execute=True):
        assert figure_snapshots_refresh() == 1

    (row,) = FigureSnapshot.objects.get().payload["safety"]
    assert row["safety"]["reliability"]["band"] == "unreliable"
