from __future__ import annotations

from celery import shared_task

from annotation import assignment, services


@shared_task(ignore_result=True)
def leases_reclaim_expired() -> None:
    assignment.leases_reclaim_expired()


@shared_task(ignore_result=True)
def campaigns_follow_runs() -> None:
    services.campaigns_follow_runs()
