"""Figure snapshots and a judge run's preparation are claimed jobs (common/jobs.py): a worker whose
heartbeat is fresh keeps its job however long it runs, a copy of its task leaves it alone, and a
job whose worker went silent is queued again and taken over."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from common.roles import Role
from evaluation.figures import services as figures
from evaluation.figures.selectors import FigureScope
from evaluation.judges import services as judges
from evaluation.models import FigureSnapshot, JudgeRun
from models_registry.models import GenerationRun
from tests.evaluation.judges_support import SAFETY_ITEMS, safety_campaign
from tests.support.tasks import tasks_held


def held_by(queryset, claim: str, *, silent_for: float) -> None:
    queryset.update(claim=claim, heartbeat_at=timezone.now() - timedelta(seconds=silent_for))


# ---------------------------------------------------------------- figure snapshots


@pytest.fixture
def running_snapshot(db, make_campaign) -> FigureSnapshot:
    """A snapshot a worker started two hours ago."""
    make_campaign(("a", "ra"), n=1)
    with mock.patch("evaluation.figures.services._enqueue"):
        figures.figure_snapshot_request(kind="results", scope=FigureScope())
    FigureSnapshot.objects.update(
        status=FigureSnapshot.Status.RUNNING, queued_at=timezone.now() - timedelta(hours=2)
    )
    return FigureSnapshot.objects.get()


def test_a_long_computation_whose_worker_still_beats_is_left_alone(running_snapshot):
    held_by(FigureSnapshot.objects.all(), "alive", silent_for=1)

    with mock.patch("evaluation.figures.services._enqueue") as queued:
        assert figures.figure_snapshots_refresh() == 0
    queued.assert_not_called()


def test_a_computation_whose_worker_went_silent_is_queued_again_and_taken_over(
    running_snapshot, django_capture_on_commit_callbacks
):
    held_by(FigureSnapshot.objects.all(), "dead", silent_for=settings.FIGURE_SNAPSHOT_CLAIM_STALE_S + 1)

    with django_capture_on_commit_callbacks(execute=True):
        assert figures.figure_snapshots_refresh() == 1

    snapshot = FigureSnapshot.objects.get()
    assert snapshot.status == FigureSnapshot.Status.READY
    assert snapshot.claim not in ("", "dead")
    assert snapshot.heartbeat_at is None  # released


@pytest.mark.django_db(transaction=True)
def test_the_worker_computing_a_snapshot_renews_its_heartbeat(make_campaign, settings):
    settings.FIGURE_SNAPSHOT_HEARTBEAT_S = 0.01
    make_campaign(("a", "ra"), n=1)
    with mock.patch("evaluation.figures.services._enqueue"):
        snapshot = figures.figure_snapshot_request(kind="results", scope=FigureScope())
    renewed: list[bool] = []

    def slow_figures(scope):
        claimed_at = FigureSnapshot.objects.get().heartbeat_at
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not renewed:
            if FigureSnapshot.objects.get().heartbeat_at != claimed_at:
                renewed.append(True)
            time.sleep(0.01)
        return {}

    with mock.patch.dict("evaluation.figures.selectors.FIGURES", {"results": slow_figures}):
        figures.figure_snapshot_compute(snapshot_id=snapshot.pk)

    assert renewed == [True]
    assert FigureSnapshot.objects.get().status == FigureSnapshot.Status.READY


# ---------------------------------------------------------------- judge run preparation


@pytest.fixture
def preparing(make_campaign, make_user, make_model, monkeypatch) -> tuple[JudgeRun, list[int]]:
    """A judge run whose preparation task is held back, for the test to run."""
    campaign = safety_campaign(make_campaign, [make_user(Role.CROWDWORKER) for _ in range(3)])
    held = tasks_held(monkeypatch, judges, "evaluation.tasks.judge_run_prepare")
    run = judges.judge_run_start(name="judges", campaign=campaign, models=[make_model()])
    return run, held


@pytest.mark.django_db(transaction=True)
def test_a_copy_of_the_preparation_leaves_a_run_another_delivery_is_preparing_alone(preparing, stub):
    run, _held = preparing
    held_by(GenerationRun.objects.filter(pk=run.generation_run_id), "alive", silent_for=1)

    judges.judge_run_prepare(run_id=run.pk)

    run.generation_run.refresh_from_db()
    assert (run.generation_run.status, run.generation_run.claim) == (GenerationRun.Status.PREPARING, "alive")
    assert run.generation_run.responses.count() == stub.state.total == 0


@pytest.mark.django_db(transaction=True)
def test_a_preparation_whose_worker_went_silent_is_queued_again_and_taken_over(preparing, stub):
    run, held = preparing
    held.clear()
    stale = settings.JUDGE_PREPARE_CLAIM_STALE_S + 1
    JudgeRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(seconds=stale))
    held_by(GenerationRun.objects.filter(pk=run.generation_run_id), "dead", silent_for=stale)

    judges.judge_runs_collect()
    assert held == [run.pk]
    judges.judge_run_prepare(run_id=run.pk)

    run.generation_run.refresh_from_db()
    assert run.generation_run.status == GenerationRun.Status.FINISHED
    assert run.generation_run.claim not in ("", "dead")
    assert stub.state.total == len(SAFETY_ITEMS)


@pytest.mark.django_db(transaction=True)
def test_the_beat_leaves_a_long_preparation_alone_while_its_worker_beats(preparing, stub):
    run, held = preparing
    held.clear()
    long_ago = timezone.now() - timedelta(seconds=settings.JUDGE_PREPARE_CLAIM_STALE_S + 60)
    JudgeRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    held_by(GenerationRun.objects.filter(pk=run.generation_run_id), "alive", silent_for=1)

    judges.judge_runs_collect()

    assert held == []
