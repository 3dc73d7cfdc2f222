"""Thin Celery tasks of every evaluation subject: load ids, call one service."""

from __future__ import annotations

from celery import shared_task

from evaluation.design import services as design
from evaluation.exports import services as exports
from evaluation.figures import services as figures
from evaluation.judges import services as judges


@shared_task(ignore_result=True)
def figure_snapshot_compute(snapshot_id: int) -> None:
    figures.figure_snapshot_compute(snapshot_id=snapshot_id)


@shared_task(ignore_result=True)
def figure_snapshots_refresh() -> None:
    figures.figure_snapshots_refresh()


# Below Redis' visibility timeout (1 h by default), after which a second worker would start the
# same export; a million judgement rows take well under a minute.
@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50 * 60)
def export_run_task(export_id: int) -> None:
    exports.export_run(export_id=export_id)


# Redelivered if its worker dies: the preparation picks up where it stopped.
@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def judge_run_prepare(run_id: int) -> None:
    judges.judge_run_prepare(run_id=run_id)


@shared_task(ignore_result=True)
def judge_run_collect(run_id: int) -> None:
    judges.judge_run_collect(run_id=run_id)


@shared_task(ignore_result=True)
def judge_runs_collect() -> None:
    judges.judge_runs_collect()


# Seconds of numpy on a pilot of thousands of simulated items; the page polls for the result.
@shared_task(ignore_result=True, soft_time_limit=10 * 60)
def study_design_compute(parameters: dict) -> None:
    design.study_design_compute(parameters=parameters)
