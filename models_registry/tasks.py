from __future__ import annotations

from celery import shared_task
from django.conf import settings

from models_registry import generation, services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.GENERATION_TASK_SOFT_TIME_LIMIT_S,
)
def generation_batch_run(response_ids: list[int]) -> None:
    # No claim from the task id: two copies of one task (a redelivery while the first still runs)
    # share it. Each delivery draws its own token inside the service.
    generation.generation_batch_execute(response_ids=response_ids)


@shared_task(ignore_result=True)
def generation_runs_reconcile() -> None:
    services.generation_runs_reconcile()
