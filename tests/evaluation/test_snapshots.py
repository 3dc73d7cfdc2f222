from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from common.roles import Role
from evaluation.figures import services
from evaluation.figures.selectors import FigureScope
from evaluation.models import FigureSnapshot
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

SAFE, UNSAFE = {"safe": True}, {"safe": False}


@pytest.fixture
def judged(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), n=1)
    judge([make_user(Role.CROWDWORKER)], campaign, {"a": [SAFE], "b": [UNSAFE]})
    return campaign


def test_a_first_request_queues_the_computation_and_the_worker_stores_the_figures(
    judged, django_capture_on_commit_callbacks
):
    scope = FigureScope(campaign_ids=(judged.pk,))
    with django_capture_on_commit_callbacks(execute=True):
        requested = services.figure_snapshot_request(kind="results", scope=scope)

    assert requested.status == FigureSnapshot.Status.PENDING
    stored = FigureSnapshot.objects.get(pk=requested.pk)
    assert stored.status == FigureSnapshot.Status.READY
    assert stored.judgements == 2
    assert stored.computed_at is not None
    assert stored.payload["safety"][0]["safety"]["value"] == 0.5


def test_asking_again_neither_duplicates_nor_recomputes(judged, django_capture_on_commit_callbacks):
    scope = FigureScope(campaign_ids=(judged.pk,))
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_request(kind="results", scope=scope)
    with (
        mock.patch("evaluation.tasks.figure_snapshot_compute.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        again = services.figure_snapshot_request(kind="results", scope=scope)

    assert again.status == FigureSnapshot.Status.READY
    queued.assert_not_called()
    assert FigureSnapshot.objects.count() == 1


def test_the_refresh_leaves_snapshots_alone_while_their_judgements_are_unchanged(
    judged, django_capture_on_commit_callbacks
):
    scope = FigureScope(campaign_ids=(judged.pk,))
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_request(kind="results", scope=scope)
        services.figure_snapshot_request(kind="agreement", scope=scope)

    with mock.patch("evaluation.tasks.figure_snapshot_compute.apply_async") as queued:
        assert services.figure_snapshots_refresh() == 0
    queued.assert_not_called()


def test_a_new_judgement_makes_the_refresh_recompute(
    make_campaign, make_user, django_capture_on_commit_callbacks
):
    campaign = make_campaign(("a", "ra"), n=2)
    first, second = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    judge([first], campaign, {"a": [SAFE]})
    scope = FigureScope(campaign_ids=(campaign.pk,))
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_request(kind="results", scope=scope)

    judge([second], campaign, {"a": [UNSAFE]})
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.figure_snapshots_refresh()

    assert queued == 1
    assert FigureSnapshot.objects.get().payload["safety"][0]["safety"]["value"] == 0.0  # a tie is unsafe
    assert FigureSnapshot.objects.get().judgements == 2


def test_snapshots_nobody_looked_at_for_a_day_are_left_alone(judged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_request(kind="results", scope=FigureScope())
    FigureSnapshot.objects.update(source_marker="stale", viewed_at=timezone.now() - timedelta(days=2))

    assert services.figure_snapshots_refresh() == 0


def test_a_failed_computation_records_why_and_waits_for_a_recompute(
    judged, django_capture_on_commit_callbacks
):
    with (
        mock.patch.dict(
            "evaluation.figures.selectors.FIGURES", {"results": mock.Mock(side_effect=ValueError("boom"))}
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.figure_snapshot_request(kind="results", scope=FigureScope())
    failed = FigureSnapshot.objects.get()
    assert failed.status == FigureSnapshot.Status.FAILED
    assert "boom" in failed.error

    # A page polling it, and the beat task, leave it alone: it would fail again every time.
    with mock.patch("evaluation.figures.services._enqueue") as queued:
        services.figure_snapshot_request(kind="results", scope=FigureScope())
        services.figure_snapshots_refresh()
    queued.assert_not_called()

    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_recompute(snapshot=FigureSnapshot.objects.get())
    assert FigureSnapshot.objects.get().status == FigureSnapshot.Status.READY


def test_a_second_copy_of_the_task_does_not_compute_again(judged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_request(kind="results", scope=FigureScope())
    ready = FigureSnapshot.objects.get()

    again = services.figure_snapshot_compute(snapshot_id=ready.pk)

    assert again is None
    assert FigureSnapshot.objects.get().computed_at == ready.computed_at


def test_a_snapshot_queued_again_recently_is_not_taken_for_a_dead_one(
    judged, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.figure_snapshot_request(kind="results", scope=FigureScope())
    # Computed long ago, queued again just now: a worker is on it.
    FigureSnapshot.objects.update(
        status=FigureSnapshot.Status.RUNNING,
        computed_at=timezone.now() - timedelta(hours=2),
        queued_at=timezone.now(),
    )

    with mock.patch("evaluation.figures.services._enqueue") as queued:
        assert services.figure_snapshots_refresh() == 0
    queued.assert_not_called()


def test_a_computation_whose_worker_died_is_started_again(judged, django_capture_on_commit_callbacks):
    with (
        mock.patch("evaluation.tasks.figure_snapshot_compute.apply_async"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.figure_snapshot_request(kind="results", scope=FigureScope())
    FigureSnapshot.objects.update(
        status=FigureSnapshot.Status.RUNNING, queued_at=timezone.now() - timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.figure_snapshots_refresh()

    assert queued == 1
    assert FigureSnapshot.objects.get().status == FigureSnapshot.Status.READY
