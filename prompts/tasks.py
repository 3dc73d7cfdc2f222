from __future__ import annotations

from celery import shared_task

from prompts import services


@shared_task(acks_late=True)
def import_job_run_task(job_id: int) -> None:
    services.import_job_run(job_id=job_id)
