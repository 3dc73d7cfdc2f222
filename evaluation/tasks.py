from __future__ import annotations

from celery import shared_task

from evaluation import services


@shared_task(ignore_result=True)
def figure_snapshot_compute(snapshot_id: int) -> None:
    services.figure_snapshot_compute(snapshot_id=snapshot_id)


@shared_task(ignore_result=True)
def figure_snapshots_refresh() -> None:
    services.figure_snapshots_refresh()


# Below Redis' visibility timeout (1 h by default), after which a second worker would start the
# same export; a million judgement rows take well under a minute.
@shared_task(ignore_result=True, acks_late=True, soft_time_limit=50 * 60)
def export_run_task(export_id: int) -> None:
    from evaluation import export_services

    export_services.export_run(export_id=export_id)
