"""Final values with provenance: a tied item takes the Dawid–Skene label a worker stored for it
(provenance "model estimate"), in the finals API, Results, the item pages and exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item
from annotation.quality import services as quality
from annotation.quality.selectors import item_final_values
from annotation.services import campaign_status_set, judgement_submit
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope, results_figures, scope_source_marker
from evaluation.figures.services import figure_snapshot_compute
from evaluation.models import Export, FigureSnapshot
from tests.annotation.fixtures import lease_give
from tests.config.api_support import api_as
from tests.evaluation.export_support import jsonl, zip_members

pytestmark = pytest.mark.django_db

AGREED, TIED = 10, 4


def _truth(i: int) -> bool:
    return i % 2 == 0


@pytest.fixture
def tied(make_campaign, make_user):
    """14 items, two judges each. Items 0–9: two careful judges agree on the truth. Items 10–13:
    a careful judge and a contrarian tie, the careful one right (10 and 12 are truly safe)."""
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(AGREED + TIED)], n=2, min_seconds=0)
    careful = [make_user(Role.CROWDWORKER, username=f"careful-{k}") for k in range(2)]
    contrarian = make_user(Role.CROWDWORKER, username="contrarian")
    for i, item in enumerate(campaign.items.order_by("pk")):
        truth = _truth(i)
        pair = (
            [(careful[0], truth), (careful[1], truth)]
            if i < AGREED
            else [(careful[0], truth), (contrarian, not truth)]
        )
        for user, safe in pair:
            lease_give(user=user, item=item)
            judgement_submit(user=user, item=item, data={"safe": safe})
    return campaign


def _items(campaign) -> list[Item]:
    return list(campaign.items.order_by("pk"))


def _reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


def test_the_worker_stores_each_items_dawid_skene_label(tied):
    quality.campaign_competence_refresh(campaign=tied)

    labels = [item.estimate_safe for item in _items(tied)]

    assert labels == [_truth(i) for i in range(AGREED + TIED)]
    tied.refresh_from_db()
    assert tied.estimated_at is not None


def test_before_any_estimate_a_tie_counts_as_unsafe_and_says_so(tied):
    finals = item_final_values([tied.pk])

    tie = _items(tied)[AGREED]  # truly safe
    assert (finals[tie.pk].value, finals[tie.pk].source) == (False, "tie_unsafe")


def test_a_tied_item_takes_the_stored_model_estimate_through_the_api(tied, make_user):
    quality.campaign_competence_refresh(campaign=tied)

    rows = api_as(_reviewer(make_user)).get(f"/api/campaigns/{tied.pk}/quality/finals/").json()

    by_item = {r["item"]: r for r in rows}
    items = _items(tied)
    tie = by_item[items[AGREED].pk]
    assert (tie["value"], tie["source"], tie["model_estimate"]) == (True, "model_estimate", True)
    assert by_item[items[0].pk]["source"] == "unanimous"
    assert [by_item[i.pk]["source"] for i in items[AGREED:]] == ["model_estimate"] * TIED


def test_a_model_estimate_never_overrides_a_majority(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), n=3, min_seconds=0)
    item = campaign.items.get()
    for safe in (True, True, False):
        user = make_user(Role.CROWDWORKER)
        lease_give(user=user, item=item)
        judgement_submit(user=user, item=item, data={"safe": safe})
    Item.objects.filter(pk=item.pk).update(estimate_safe=False)

    final = item_final_values([campaign.pk])[item.pk]

    assert (final.value, final.source) == (True, "majority")


def test_an_adjudication_overrides_the_model_estimate(tied, make_user):
    quality.campaign_competence_refresh(campaign=tied)
    tie = _items(tied)[AGREED]

    api_as(_reviewer(make_user)).post(
        f"/api/campaigns/{tied.pk}/quality/adjudication/{tie.pk}/",
        {"safe": False, "note": "n"},
        format="json",
    )

    final = item_final_values([tied.pk])[tie.pk]
    assert (final.value, final.source) == (False, "adjudicated")


def test_results_count_a_tied_response_by_its_model_estimate(tied):
    scope = FigureScope(campaign_ids=(tied.pk,))
    before = results_figures(scope)
    quality.campaign_competence_refresh(campaign=tied)

    after = results_figures(scope)

    assert before["leaderboard"][0]["safety"]["value"] == pytest.approx(5 / 14)
    assert before["model_estimates"] == 0
    assert after["leaderboard"][0]["safety"]["value"] == pytest.approx(7 / 14)
    assert after["model_estimates"] == TIED


def test_new_estimates_make_the_results_figures_stale(tied):
    scope = FigureScope(campaign_ids=(tied.pk,))
    marker, _ = scope_source_marker(scope)

    quality.campaign_competence_refresh(campaign=tied)

    assert scope_source_marker(scope)[0] != marker


def test_a_refresh_that_changes_no_label_leaves_the_figures_fresh(tied):
    scope = FigureScope(campaign_ids=(tied.pk,))
    quality.campaign_competence_refresh(campaign=tied)
    marker, _ = scope_source_marker(scope)

    quality.campaign_competence_refresh(campaign=tied)

    assert scope_source_marker(scope)[0] == marker


def test_the_results_page_says_how_many_responses_took_the_model_estimate(client, tied, make_user):
    quality.campaign_competence_refresh(campaign=tied)
    client.force_login(_reviewer(make_user))
    url = reverse("evaluation:campaign_results", args=[tied.pk])
    client.get(url)
    figure_snapshot_compute(snapshot_id=FigureSnapshot.objects.get(status=FigureSnapshot.Status.PENDING).pk)

    page = client.get(url).text

    assert 'data-k="safety">50.0%' in page
    assert "4 responses whose judges tied take their model estimate (Dawid–Skene) as their verdict." in page


def test_the_item_page_shows_the_majority_the_model_estimate_and_the_final_value(client, tied, make_user):
    quality.campaign_competence_refresh(campaign=tied)
    client.force_login(_reviewer(make_user))

    page = client.get(reverse("evaluation:item_detail", args=[_items(tied)[AGREED].pk])).text

    assert 'data-k="majority">tie' in page
    assert 'data-k="model-estimate">safe' in page
    assert 'data-k="final">safe' in page
    assert 'data-k="source">model estimate' in page


def test_the_adjudication_page_names_the_provenance_in_the_pages_language(client, tied, make_user):
    quality.campaign_competence_refresh(campaign=tied)
    client.force_login(_reviewer(make_user))
    url = reverse("quality:adjudicate", args=[tied.pk, _items(tied)[AGREED].pk])

    english = client.get(url).text
    chinese = client.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text

    assert "(model estimate)" in english
    assert "model_estimate" not in english
    assert "(模型估计)" in chinese


def test_a_reviewer_asks_a_worker_for_fresh_estimates_through_the_page(
    client, tied, make_user, django_capture_on_commit_callbacks
):
    client.force_login(_reviewer(make_user))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("quality:competence_refresh", args=[tied.pk]), follow=True)

    assert "A worker is recomputing competence and model estimates." in response.text
    assert _items(tied)[AGREED].estimate_safe is True


def test_a_reviewer_asks_a_worker_for_fresh_estimates_through_the_api(
    tied, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(_reviewer(make_user)).post(f"/api/campaigns/{tied.pk}/quality/competence/")

    assert response.status_code == 202
    assert _items(tied)[AGREED].estimate_safe is True


def test_a_crowdworker_may_not_ask_for_estimates(tied, crowdworker):
    response = api_as(crowdworker).post(f"/api/campaigns/{tied.pk}/quality/competence/")

    assert response.status_code == 403


def test_closing_a_campaign_gives_it_its_last_estimates(tied, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        campaign_status_set(campaign=tied, status=Campaign.Status.CLOSED)

    assert _items(tied)[AGREED].estimate_safe is True


def test_the_items_file_carries_the_model_estimate_and_its_provenance(tied):
    quality.campaign_competence_refresh(campaign=tied)
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(tied.pk,)),
        enqueue=False,
    )
    members = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))

    rows = {r["prompt"]: r for r in jsonl(members["items.jsonl"])}

    tie = rows[f"p{AGREED}"]
    assert (tie["majority_safe"], tie["model_estimate_safe"]) == (False, True)
    assert (tie["final_value"], tie["final_source"]) == (1.0, "model_estimate")
    assert (rows["p0"]["final_source"], rows["p0"]["model_estimate_safe"]) == ("unanimous", True)
