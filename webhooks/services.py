"""Writes of webhooks: endpoints, events (emitted by every app through `webhook_event_emit`),
and the bookkeeping of each delivery's attempts. The HTTP requests themselves are in sending.py
and run only on a worker (the `webhooks` queue)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.queue import task_enqueue
from common.roles import user_is_admin
from webhooks import signing
from webhooks.models import SUBSCRIBABLE, Attempt, Delivery, Endpoint, Event, EventKind
from webhooks.selectors import subscriptions


class WebhookRejected(ApplicationError):
    pass


# ---------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class EndpointInput:
    """An endpoint's fields, built alike by the page's form, the Django admin's form and the API's
    serializer, and checked by one rule (`endpoint_input_check`) in the service they call."""

    name: str
    url: str
    events: list[str]
    is_active: bool = True

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> EndpointInput:
        """From a form's cleaned data or the serializer's validated data (the same names)."""
        return cls(
            name=data.get("name") or "",
            url=data.get("url") or "",
            events=list(data.get("events") or []),
            is_active=bool(data.get("is_active", True)),
        )


def _admin_check(by: AbstractBaseUser | None) -> None:
    if by is not None and not user_is_admin(by):
        raise WebhookRejected(_("Only admins may manage webhooks."))


def endpoint_input_check(data: EndpointInput) -> EndpointInput:
    """The one rule for an endpoint's fields, on the page, in the Django admin and in tests."""
    name = data.name.strip()
    if not name:
        raise WebhookRejected(_("Give the endpoint a name."), field="name")
    url = data.url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebhookRejected(_("The URL must start with https:// or http:// and name a host."), field="url")
    known = {str(kind) for kind in SUBSCRIBABLE}
    events = [str(e) for e in data.events]
    unknown = [e for e in events if e not in known]
    if unknown:
        raise WebhookRejected(_("Unknown event: %(name)s.") % {"name": unknown[0]}, field="events")
    if not events:
        raise WebhookRejected(_("Choose at least one event."), field="events")
    # In the order of the list on the page, once each.
    ordered = [str(kind) for kind in SUBSCRIBABLE if str(kind) in events]
    return EndpointInput(name=name[:200], url=url, events=ordered, is_active=data.is_active)


def endpoint_create(*, data: EndpointInput, by: AbstractBaseUser | None) -> tuple[Endpoint, str]:
    """A new endpoint and its signing secret, which the caller shows once (never again)."""
    _admin_check(by)
    data = endpoint_input_check(data)
    secret = signing.secret_make()
    endpoint = Endpoint.objects.create(
        name=data.name,
        url=data.url,
        events=data.events,
        is_active=data.is_active,
        secret=secret,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    return endpoint, secret


def endpoint_update(*, endpoint: Endpoint, data: EndpointInput, by: AbstractBaseUser | None) -> Endpoint:
    _admin_check(by)
    data = endpoint_input_check(data)
    endpoint.name, endpoint.url, endpoint.events, endpoint.is_active = (
        data.name,
        data.url,
        data.events,
        data.is_active,
    )
    endpoint.save(update_fields=["name", "url", "events", "is_active", "updated_at"])
    if endpoint.is_active:
        # Deliveries that waited while it was disabled go now (those still within their age).
        transaction.on_commit(lambda: deliveries_kick(endpoint_ids=[endpoint.pk]))
    return endpoint


def endpoint_delete(*, endpoint: Endpoint, by: AbstractBaseUser | None) -> None:
    """The endpoint goes with its deliveries log and the events only it was sent; it is sent
    nothing more (a task already queued for it finds no endpoint, one sending records nothing)."""
    _admin_check(by)
    with transaction.atomic():
        events = list(endpoint.deliveries.values_list("event_id", flat=True).distinct())
        endpoint.delete()
        # The events it alone was sent, unless one remembers a periodic check's announcement.
        Event.objects.filter(pk__in=events, dedupe_key__isnull=True, deliveries__isnull=True).delete()


def endpoint_secret_rotate(*, endpoint: Endpoint, by: AbstractBaseUser | None) -> str:
    """A new secret, used from the next request on; returned to be shown once."""
    _admin_check(by)
    secret = signing.secret_make()
    Endpoint.objects.filter(pk=endpoint.pk).update(secret=secret, updated_at=timezone.now())
    endpoint.secret = secret
    return secret


# ---------------------------------------------------------------- events


def _absolute(path: str) -> str:
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{path}" if base and path.startswith("/") else path


def webhook_event_emit(
    *,
    event: str,
    payload: Mapping[str, Any],
    links: Mapping[str, str] | None = None,
    dedupe_key: str | None = None,
) -> Event | None:
    """Record an event and one delivery per subscribed endpoint in the caller's transaction; the
    worker is asked to send them once it commits (nothing is sent if it rolls back). No HTTP here.

    `payload` carries ids and codes only, never a judgement's text, a prompt, an answer or a key;
    `links` are paths on this site, made absolute with SITE_URL. With `dedupe_key`, an event is
    recorded at most once per key (subscribers or not), for events that a periodic check finds.
    """
    endpoint_ids = subscriptions().get(str(event), [])
    if not endpoint_ids and dedupe_key is None:
        return None
    document = {**payload, "links": {name: _absolute(path) for name, path in (links or {}).items()}}
    try:
        with transaction.atomic():
            row = Event.objects.create(kind=str(event), payload=document, dedupe_key=dedupe_key)
            _deliveries_create(event=row, endpoint_ids=endpoint_ids)
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    return row


def _deliveries_create(*, event: Event, endpoint_ids: Iterable[int]) -> None:
    ids = list(endpoint_ids)
    if not ids:
        return
    now = timezone.now()
    expires = now + timedelta(seconds=settings.WEBHOOK_MAX_AGE_S)
    Delivery.objects.bulk_create(
        Delivery(event=event, endpoint_id=pk, next_attempt_at=now, expires_at=expires) for pk in ids
    )
    transaction.on_commit(lambda: deliveries_kick(endpoint_ids=ids))


def _kick_key(endpoint_id: int) -> str:
    return f"webhooks:flush-queued:{endpoint_id}"


def deliveries_kick(*, endpoint_ids: Iterable[int], force: bool = False) -> None:
    """Ask the worker to send an endpoint's due deliveries: one queued task per endpoint at a time
    (a mark in the shared cache that the task clears when it starts), so a burst of events costs
    one task, not one per event. `force` queues one whatever the mark says. A mark whose task was
    lost runs out; the sweep then queues again."""
    for pk in endpoint_ids:
        added = cache.add(_kick_key(pk), 1, timeout=max(60, 6 * settings.WEBHOOK_SWEEP_S))
        if added or force:
            task_enqueue("webhooks.tasks.webhook_endpoint_flush", pk)


def kick_mark_clear(*, endpoint_id: int) -> None:
    cache.delete(_kick_key(endpoint_id))


def _sending_key(endpoint_id: int) -> str:
    return f"webhooks:sending:{endpoint_id}"


def endpoint_sending_take(*, endpoint_id: int, token: str, hold_s: float) -> bool:
    """One task sends an endpoint's deliveries at a time, so a slow receiver holds one worker
    thread, not every thread a burst of its tasks would take. Held at most `hold_s` (the task's
    time limit): a killed worker's hold runs out."""
    return cache.add(_sending_key(endpoint_id), token, timeout=hold_s)


def _failing_key(endpoint_id: int) -> str:
    return f"webhooks:failing:{endpoint_id}"


def _resting_key(endpoint_id: int) -> str:
    return f"webhooks:resting:{endpoint_id}"


def endpoint_resting(*, endpoint_id: int) -> bool:
    return bool(cache.get(_resting_key(endpoint_id)))


def endpoint_failing(*, endpoint_id: int) -> int:
    """How many batches in a row failed whole (the receiver down): 0 when it answers."""
    return cache.get(_failing_key(endpoint_id)) or 0


def endpoint_rest_end(*, endpoint_id: int) -> None:
    cache.delete(_resting_key(endpoint_id))


def endpoint_answer_record(*, endpoint_id: int, answered: bool) -> None:
    """A receiver that failed a whole batch is left alone for a backoff that grows with each such
    batch, then probed with a few deliveries: its thousands of waiting deliveries are not tried
    one batch after another against a receiver that is down."""
    if answered:
        cache.delete_many([_failing_key(endpoint_id), _resting_key(endpoint_id)])
        return
    failures = endpoint_failing(endpoint_id=endpoint_id) + 1
    cache.set(_failing_key(endpoint_id), failures, timeout=24 * 3600)
    cache.set(_resting_key(endpoint_id), 1, timeout=max(1, round(backoff_s(failures))))


def endpoint_sending_release(*, endpoint_id: int, token: str) -> None:
    if cache.get(_sending_key(endpoint_id)) == token:
        cache.delete(_sending_key(endpoint_id))


def endpoint_test_send(*, endpoint: Endpoint, by: AbstractBaseUser | None) -> Delivery:
    """A test event to this endpoint alone."""
    _admin_check(by)
    if not endpoint.is_active:
        raise WebhookRejected(_("The endpoint is disabled: enable it before sending it a test event."))
    transaction.on_commit(lambda: endpoint_rest_end(endpoint_id=endpoint.pk))
    with transaction.atomic():
        event = Event.objects.create(kind=EventKind.TEST, payload={"endpoint_id": endpoint.pk, "links": {}})
        _deliveries_create(event=event, endpoint_ids=[endpoint.pk])
    return Delivery.objects.get(event=event, endpoint=endpoint)


def delivery_resend(*, delivery: Delivery, by: AbstractBaseUser | None) -> Delivery:
    """Send a delivery again now, whatever became of it; it gets a new maximum age."""
    _admin_check(by)
    now = timezone.now()
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if locked is None:
            raise WebhookRejected(
                _("This delivery is no longer in the log: it was older than the log keeps.")
            )
        if locked.claimed_until is not None and locked.claimed_until > now:
            raise WebhookRejected(_("This delivery is being sent right now; try again in a minute."))
        locked.status = Delivery.Status.PENDING
        locked.next_attempt_at = now
        locked.expires_at = now + timedelta(seconds=settings.WEBHOOK_MAX_AGE_S)
        locked.claim, locked.claimed_until = "", None
        locked.save(update_fields=["status", "next_attempt_at", "expires_at", "claim", "claimed_until"])
        endpoint_id = locked.endpoint_id
        # An admin who asks for it now means now, even to a receiver left to rest.
        transaction.on_commit(lambda: endpoint_rest_end(endpoint_id=endpoint_id))
        transaction.on_commit(lambda: deliveries_kick(endpoint_ids=[endpoint_id], force=True))
    return locked


# ---------------------------------------------------------------- the worker's bookkeeping


def _unclaimed(now: Any) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _due(now: Any) -> Q:
    return Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now, expires_at__gt=now) & _unclaimed(now)


def deliveries_expire(*, endpoint: Endpoint | None = None) -> int:
    """Waiting deliveries past their maximum age are failed unsent: the rule holds for one that
    waited on a disabled endpoint (or a stopped worker) as for one that kept failing, so enabling
    an endpoint again never sends events older than the maximum age. Returns how many."""
    now = timezone.now()
    # A pending delivery's next attempt is never after its expiry, so this stays on the indexes.
    rows = Delivery.objects.filter(
        _unclaimed(now), status=Delivery.Status.PENDING, next_attempt_at__lte=now, expires_at__lte=now
    )
    if endpoint is not None:
        rows = rows.filter(endpoint=endpoint)
    return rows.update(status=Delivery.Status.FAILED, claim="", claimed_until=None)


def deliveries_claim(*, endpoint: Endpoint, token: str, limit: int) -> list[Delivery]:
    """Up to `limit` due deliveries of the endpoint, oldest first, held by `token` for as long as
    sending them can take; another sender (a redelivered task, the sweep's) skips them."""
    now = timezone.now()
    rounds = -(-limit // max(1, settings.WEBHOOK_CONCURRENCY))
    until = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_S * (rounds + 1) + 30)
    deliveries_expire(endpoint=endpoint)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(_due(now), endpoint=endpoint)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(claim=token, claimed_until=until)
    return list(Delivery.objects.filter(pk__in=ids, claim=token).select_related("event").order_by("pk"))


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status_code: int | None
    error: str
    duration_ms: int
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff_s(attempts: int) -> float:
    """Exponential, bounded, with jitter (half to all of the step), so failed deliveries of one
    outage do not all come back in the same second."""
    step = min(settings.WEBHOOK_BACKOFF_MAX_S, settings.WEBHOOK_BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return step * random.uniform(0.5, 1.0)  # noqa: S311 (spreading retries, not a secret)


def deliveries_record(
    *, token: str, outcomes: list[Outcome], attempts: Mapping[int, int], expires: Mapping[int, Any]
) -> None:
    """Each attempt's answer, and what becomes of its delivery; only rows still held by `token`
    (a sender that lost its claim writes nothing but the attempt itself)."""
    now = timezone.now()
    with transaction.atomic():
        # Locked, so an endpoint deleted meanwhile takes its deliveries only after this commits;
        # one it took before has no row to record an attempt on.
        kept = set(
            Delivery.objects.select_for_update()
            .filter(pk__in=[o.delivery_id for o in outcomes])
            .values_list("pk", flat=True)
        )
        outcomes = [o for o in outcomes if o.delivery_id in kept]
        Attempt.objects.bulk_create(
            Attempt(
                delivery_id=o.delivery_id,
                status_code=o.status_code,
                error=o.error[:2000],
                duration_ms=o.duration_ms,
            )
            for o in outcomes
        )
        by_code: dict[int, list[int]] = {}
        for outcome in outcomes:
            if outcome.ok:
                by_code.setdefault(outcome.status_code or 200, []).append(outcome.delivery_id)
        for code, ids in by_code.items():
            Delivery.objects.filter(pk__in=ids, claim=token).update(
                status=Delivery.Status.SUCCEEDED,
                attempts=F("attempts") + 1,
                last_status_code=code,
                last_error="",
                last_attempt_at=now,
                delivered_at=now,
                claim="",
                claimed_until=None,
            )
        for outcome in outcomes:
            if outcome.ok:
                continue
            delay = backoff_s(attempts[outcome.delivery_id] + 1)
            if outcome.retry_after_s is not None:
                delay = max(delay, min(outcome.retry_after_s, settings.WEBHOOK_RETRY_AFTER_MAX_S))
            retry_at = now + timedelta(seconds=delay)
            gave_up = retry_at > expires[outcome.delivery_id]
            Delivery.objects.filter(pk=outcome.delivery_id, claim=token).update(
                status=Delivery.Status.FAILED if gave_up else Delivery.Status.PENDING,
                attempts=F("attempts") + 1,
                last_status_code=outcome.status_code,
                last_error=outcome.error[:2000],
                last_attempt_at=now,
                next_attempt_at=retry_at,
                claim="",
                claimed_until=None,
            )


def deliveries_sweep() -> list[int]:
    """The endpoints with deliveries due (a retry's time come, a lost task, a killed worker's
    claim run out): a task is queued for each, after those past their maximum age are failed.
    Returns their ids."""
    deliveries_expire()
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(_due(now), endpoint__is_active=True)
        .values_list("endpoint_id", flat=True)
        .distinct()
        .order_by()
    )
    deliveries_kick(endpoint_ids=ids)
    return ids


# ---------------------------------------------------------------- retention

# Rows deleted per transaction: each batch holds its locks for a moment, so the sweep, the senders
# and "Send again" are never kept waiting behind a prune of a long log.
PRUNE_BATCH = 1000
# A prune of a log that grew for long (retention just turned on) stops after this long and goes on
# at the next hour: one worker process of the webhooks queue is not held for it.
PRUNE_BUDGET_S = 300.0


def deliveries_prune(
    *, days: int | None = None, batch: int = PRUNE_BATCH, budget_s: float = PRUNE_BUDGET_S
) -> int:
    """Delete finished deliveries (delivered, or failed for good) whose last attempt, or creation
    when never tried, is older than `days` (WEBHOOK_RETENTION_DAYS; 0 keeps them all), with their
    attempts, a batch per transaction; then the events left with no delivery. A delivery that
    waits or is being retried stays, however old. Returns how many deliveries went."""
    days = settings.WEBHOOK_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    # From the creation index: a delivery finishes after it is made, so only rows made before the
    # cutoff are read.
    old = Delivery.objects.filter(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=cutoff),
        created_at__lt=cutoff,
        status__in=[Delivery.Status.SUCCEEDED, Delivery.Status.FAILED],
    )
    deleted = 0
    deadline = time.monotonic() + budget_s
    while time.monotonic() < deadline:
        with transaction.atomic():
            # Locked and skipped when locked: one that "Send again" holds is not deleted under it.
            rows = list(
                old.select_for_update(skip_locked=True)
                .order_by("created_at")
                .values_list("pk", "event_id")[:batch]
            )
            if not rows:
                break
            # Its attempts go with each delivery (one DELETE … WHERE delivery_id IN).
            Delivery.objects.filter(pk__in=[pk for pk, _event in rows]).delete()
            deleted += len(rows)
            # The events these were the last deliveries of. One with a dedupe key stays: it is how
            # a periodic check knows it already announced that change.
            Event.objects.filter(
                pk__in={event for _pk, event in rows}, dedupe_key__isnull=True, deliveries__isnull=True
            ).delete()
        if len(rows) < batch:
            break
    return deleted
