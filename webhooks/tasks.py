from __future__ import annotations

from celery import shared_task
from django.conf import settings

from webhooks import sending, services

# Above the flush's own budget plus one batch of requests (each bounded by the HTTP timeout); the
# prefork pool enforces it.
FLUSH_TIME_LIMIT_S = (
    settings.WEBHOOK_FLUSH_BUDGET_S
    + settings.WEBHOOK_TIMEOUT_S
    * (-(-settings.WEBHOOK_BATCH_SIZE // max(1, settings.WEBHOOK_CONCURRENCY)) + 1)
    + 60
)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True, time_limit=FLUSH_TIME_LIMIT_S)
def webhook_endpoint_flush(endpoint_id: int) -> None:
    sending.endpoint_flush(endpoint_id=endpoint_id, hold_s=FLUSH_TIME_LIMIT_S)


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> None:
    services.deliveries_sweep()


@shared_task(ignore_result=True)
def webhook_log_prune() -> None:
    services.deliveries_prune()
