"""Figures compute for every mix of what quality control adds to judgements: an adjudication, a
model estimate, an excluded judge and a voided judgement (the normal QC workflow has them all)."""

from __future__ import annotations

import itertools
from unittest import mock

import pytest
from django.urls import reverse

from annotation.models import Judgement
from annotation.quality import services as quality
from annotation.services import judgement_submit, judgement_void
from common.roles import Role
from evaluation.figures import services
from evaluation.figures.selectors import FigureScope, source_marker_for
from evaluation.models import FigureSnapshot
from tests.annotation.fixtures import lease_give
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

COMBINATIONS = list(itertools.product([False, True], repeat=4))


def _judged(make_campaign, make_user):
    """Four items, two judges each: items 0–1 agreed by two careful judges, items 2–3 tied by a
    careful judge and a contrarian."""
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(4)], n=2, min_seconds=0)
    careful = [make_user(Role.CROWDWORKER, username=f"careful-{k}") for k in range(2)]
    contrarian = make_user(Role.CROWDWORKER, username="contrarian")
    items = list(campaign.items.order_by("pk"))
    for i, item in enumerate(items):
        second = careful[1] if i < 2 else contrarian
        for user, safe in ((careful[0], i % 2 == 0), (second, (i % 2 == 0) == (i < 2))):
            lease_give(user=user, item=item)
            judgement_submit(user=user, item=item, data={"safe": safe})
    return campaign, items, careful, contrarian


@pytest.mark.parametrize(
    ("adjudicated", "estimated", "excluded", "voided"),
    COMBINATIONS,
    ids=[
        "-".join(
            name for name, on in zip(("adjudicated", "estimated", "excluded", "voided"), c, strict=True) if on
        )
        or "plain"
        for c in COMBINATIONS
    ],
)
def test_results_and_agreement_compute_with_any_mix_of_quality_control(
    adjudicated, estimated, excluded, voided, make_campaign, make_user, django_capture_on_commit_callbacks
):
    campaign, items, careful, contrarian = _judged(make_campaign, make_user)
    reviewer = make_user(Role.REVIEWER, username="rita-reviewer")
    if adjudicated:
        quality.item_adjudicate(item=items[2], by=reviewer, data={"safe": False, "note": "checked"})
    if estimated:
        quality.item_estimates_record(campaign=campaign, labels={items[2].pk: True, items[3].pk: True})
    if excluded:
        quality.judge_exclude(campaign=campaign, user=contrarian, by=reviewer, reason="always contrary")
    if voided:
        judgement_void(
            judgement=Judgement.objects.get(item=items[0], user=careful[1]), by=reviewer, reason="misclick"
        )

    for scope in (
        FigureScope(campaign_ids=(campaign.pk,)),
        FigureScope(campaign_ids=(campaign.pk,), include_incomplete=True),
    ):
        for kind in (FigureSnapshot.Kind.RESULTS, FigureSnapshot.Kind.AGREEMENT, FigureSnapshot.Kind.JUDGES):
            with django_capture_on_commit_callbacks(execute=True):
                requested = services.figure_snapshot_request(kind=kind, scope=scope)
            snapshot = FigureSnapshot.objects.get(pk=requested.pk)
            assert (snapshot.status, snapshot.error) == (FigureSnapshot.Status.READY, "")
            assert snapshot.payload is not None
    if adjudicated:
        results = FigureSnapshot.objects.get(
            kind=FigureSnapshot.Kind.RESULTS, key=FigureScope(campaign_ids=(campaign.pk,)).key("results")
        )
        assert results.payload["adjudicated"] == 1


# ---------------------------------------------------------------- a failure says so


@pytest.fixture
def failing(make_campaign, make_user, django_capture_on_commit_callbacks):
    """A results snapshot whose figures cannot be stored (a marker too long for its column, as
    before markers were digests): the worker's write fails with a DataError."""
    campaign, *_ = _judged(make_campaign, make_user)
    with (
        mock.patch("evaluation.figures.services.source_marker_for", return_value=("x" * 300, 8)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.figure_snapshot_request(
            kind=FigureSnapshot.Kind.RESULTS, scope=FigureScope(campaign_ids=(campaign.pk,))
        )
    return campaign


def test_a_snapshot_whose_figures_cannot_be_stored_fails_with_its_error_instead_of_running(failing):
    snapshot = FigureSnapshot.objects.get()

    assert snapshot.status == FigureSnapshot.Status.FAILED
    assert snapshot.error.startswith("DataError")
    assert snapshot.payload is None


def test_every_marker_fits_its_column(make_campaign, make_user):
    campaign, items, _careful, _contrarian = _judged(make_campaign, make_user)
    reviewer = make_user(Role.REVIEWER, username="rita-reviewer")
    quality.item_adjudicate(item=items[2], by=reviewer, data={"safe": False, "note": "checked"})
    quality.item_estimates_record(campaign=campaign, labels={items[2].pk: True})
    limit = FigureSnapshot._meta.get_field("source_marker").max_length

    for kind in (FigureSnapshot.Kind.RESULTS, FigureSnapshot.Kind.AGREEMENT, FigureSnapshot.Kind.JUDGES):
        marker, _ = source_marker_for(kind, FigureScope(campaign_ids=(campaign.pk,)))
        assert len(marker) <= limit


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "The figures could not be computed: the worker stopped with an error."),
        ("zh-hans", "无法计算这些数据：工作进程出错停止。"),
    ],
)
def test_the_api_answers_a_failed_snapshot_with_its_reason_not_202(failing, make_user, language, reason):
    client = api_as(make_user(Role.REVIEWER, username="rita-reviewer"))

    response = client.get(f"/api/campaigns/{failing.pk}/results/", headers={"Accept-Language": language})

    assert response.status_code == 500
    body = response.json()
    assert body["status"] == "failed"
    assert body["reason"].startswith(reason)
    assert body["error"].startswith("DataError")
    assert "Retry-After" not in response.headers


@pytest.mark.parametrize(
    ("language", "reason", "recompute"),
    [
        ("en", "The figures could not be computed: the worker stopped with an error.", "Recompute now"),
        ("zh-hans", "无法计算这些数据：工作进程出错停止。", "立即重新计算"),
    ],
)
def test_the_results_page_says_the_computation_failed_and_offers_recompute(
    client, failing, make_user, language, reason, recompute
):
    client.force_login(make_user(Role.REVIEWER, username="rita-reviewer"))

    page = client.get(
        reverse("evaluation:campaign_results", args=[failing.pk]), headers={"Accept-Language": language}
    ).text

    assert reason in page
    assert "DataError" in page  # the technical details, folded
    assert recompute in page
    assert "hx-trigger" not in page  # nothing to wait for: the page stops polling


def test_recompute_after_the_cause_is_gone_brings_the_figures(failing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_recompute(snapshot=FigureSnapshot.objects.get())

    snapshot = FigureSnapshot.objects.get()
    assert (snapshot.status, snapshot.error) == (FigureSnapshot.Status.READY, "")
    assert snapshot.failure_reason == ""
