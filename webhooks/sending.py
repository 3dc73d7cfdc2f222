"""The requests of a flush: an endpoint's due deliveries sent concurrently (at most
WEBHOOK_CONCURRENCY in flight) on one event loop inside the task, each with a timeout, so a slow
receiver holds one worker thread, never the judging pages or another endpoint's deliveries."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from django.conf import settings

from common.queue import delivery_token
from webhooks import signing
from webhooks.models import Delivery, Endpoint
from webhooks.services import (
    Outcome,
    deliveries_claim,
    deliveries_kick,
    deliveries_record,
    endpoint_answer_record,
    endpoint_failing,
    endpoint_resting,
    endpoint_sending_release,
    endpoint_sending_take,
    kick_mark_clear,
)

logger = logging.getLogger(__name__)

# Deliveries sent to a receiver that was down, to see whether it is back.
PROBE_SIZE = 10


def event_document(delivery: Delivery) -> dict[str, object]:
    event = delivery.event
    return {
        "id": str(event.uuid),
        "event": event.kind,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }


def retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


async def _send_one(
    session: aiohttp.ClientSession, gate: asyncio.Semaphore, endpoint: Endpoint, delivery: Delivery
) -> Outcome:
    body = signing.body_encode(event_document(delivery))
    async with gate:
        headers = signing.headers_make(
            secret=endpoint.secret,
            timestamp=int(time.time()),
            body=body,
            event=delivery.event.kind,
            event_id=str(delivery.event.uuid),
            delivery_id=delivery.pk,
        )
        started = time.perf_counter()
        try:
            async with session.post(
                endpoint.url, data=body, headers=headers, allow_redirects=False
            ) as answer:
                # The answer's body is not kept; reading a little lets the connection be reused.
                await answer.content.read(1024)
                return Outcome(
                    delivery_id=delivery.pk,
                    status_code=answer.status,
                    error="" if 200 <= answer.status < 300 else f"HTTP {answer.status}",
                    duration_ms=int((time.perf_counter() - started) * 1000),
                    retry_after_s=retry_after_s(answer.headers.get("Retry-After")),
                )
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as failure:
            return Outcome(
                delivery_id=delivery.pk,
                status_code=None,
                error=f"{type(failure).__name__}: {failure}"[:500],
                duration_ms=int((time.perf_counter() - started) * 1000),
            )


async def _send_all(endpoint: Endpoint, deliveries: list[Delivery]) -> list[Outcome]:
    gate = asyncio.Semaphore(settings.WEBHOOK_CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=settings.WEBHOOK_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=settings.WEBHOOK_CONCURRENCY)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        return await asyncio.gather(*(_send_one(session, gate, endpoint, d) for d in deliveries))


def endpoint_flush(*, endpoint_id: int, hold_s: float = 600.0) -> int:
    """Send the endpoint's due deliveries, a batch at a time, for at most WEBHOOK_FLUSH_BUDGET_S
    (then a fresh task takes over, so others queued behind get a thread). Another task already
    sending this endpoint's deliveries is left to it. Returns how many requests were made."""
    kick_mark_clear(endpoint_id=endpoint_id)
    endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=True).first()
    if endpoint is None:
        return 0
    token = delivery_token()
    if not endpoint_sending_take(endpoint_id=endpoint_id, token=token, hold_s=hold_s):
        return 0
    try:
        sent, more = _flush(endpoint, token)
    finally:
        endpoint_sending_release(endpoint_id=endpoint_id, token=token)
    if more:
        # Queued once this task let go: the next one must find the endpoint free.
        deliveries_kick(endpoint_ids=[endpoint_id], force=True)
    return sent


def _run_to_end(coroutine: Any) -> Any:
    """asyncio.run, also from a thread whose own loop is running (a task run eagerly by code that
    is itself on an event loop: the tests' browser sessions, an ASGI view): then on a fresh thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _flush(endpoint: Endpoint, token: str) -> tuple[int, bool]:
    """Requests made, and whether due deliveries may remain (the time budget ran out)."""
    sent = 0
    until = time.monotonic() + settings.WEBHOOK_FLUSH_BUDGET_S
    while True:
        if endpoint_resting(endpoint_id=endpoint.pk):
            return sent, False  # the sweep comes back once the rest is over
        failing = endpoint_failing(endpoint_id=endpoint.pk)
        limit = min(PROBE_SIZE, settings.WEBHOOK_BATCH_SIZE) if failing else settings.WEBHOOK_BATCH_SIZE
        batch = deliveries_claim(endpoint=endpoint, token=token, limit=limit)
        if not batch:
            return sent, False
        outcomes = _run_to_end(_send_all(endpoint, batch))
        deliveries_record(
            token=token,
            outcomes=outcomes,
            attempts={d.pk: d.attempts for d in batch},
            expires={d.pk: d.expires_at for d in batch},
        )
        sent += len(outcomes)
        answered = any(o.ok for o in outcomes)
        if failing or not answered:
            endpoint_answer_record(endpoint_id=endpoint.pk, answered=answered)
        if not answered:
            return sent, False
        if time.monotonic() > until:
            return sent, True
