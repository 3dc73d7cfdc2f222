from __future__ import annotations

from celery import shared_task

from webhooks import sending, services


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def webhook_endpoint_flush(endpoint_id: int) -> None:
    sending.endpoint_flush(endpoint_id=endpoint_id)


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> None:
    services.deliveries_sweep()
