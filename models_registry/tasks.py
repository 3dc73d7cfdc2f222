from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from models_registry import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.GENERATION_TASK_SOFT_TIME_LIMIT_S,
)
def generation_batch_run(self: Task, response_ids: list[int]) -> None:
    # The task id is the claim: a redelivered copy of this task may take its rows back at once.
    services.generation_batch_execute(response_ids=response_ids, claim=self.request.id or "")


@shared_task(ignore_result=True)
def generation_runs_reconcile() -> None:
    services.generation_runs_reconcile()
