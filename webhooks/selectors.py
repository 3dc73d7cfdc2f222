from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery

from webhooks.models import Delivery, Endpoint, Event

SUBSCRIPTIONS_CACHE_KEY = "webhooks:subscriptions:v1"
# A bound on staleness should an invalidation ever be missed (a row changed by raw SQL).
SUBSCRIPTIONS_CACHE_S = 300


def subscriptions() -> dict[str, list[int]]:
    """Event kind -> the active endpoints subscribed to it, from the shared cache: an event nobody
    subscribes to costs one cache read."""
    cached = cache.get(SUBSCRIPTIONS_CACHE_KEY)
    if cached is None:
        cached = {}
        for pk, events in Endpoint.objects.filter(is_active=True).values_list("pk", "events"):
            for kind in events or ():
                cached.setdefault(kind, []).append(pk)
        cache.set(SUBSCRIPTIONS_CACHE_KEY, cached, SUBSCRIPTIONS_CACHE_S)
    return cached


def subscriptions_forget(**kwargs: Any) -> None:
    """Now, and again once the change commits: a reader between the two may have cached the rows
    as they were before it."""
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIPTIONS_CACHE_KEY))


def endpoints_list() -> QuerySet[Endpoint]:
    # Each figure from the (endpoint, status, …) index or the newest row: no scan of a long log.
    deliveries = Delivery.objects.filter(endpoint=OuterRef("pk"))
    return Endpoint.objects.annotate(
        waiting=_count(deliveries.filter(status=Delivery.Status.PENDING)),
        failed=_count(deliveries.filter(status=Delivery.Status.FAILED)),
        last_delivery_at=Subquery(deliveries.order_by("-pk").values("last_attempt_at")[:1]),
    ).order_by("name", "pk")


def _count(rows: QuerySet[Delivery]) -> Subquery:
    return Subquery(rows.order_by().values("endpoint").annotate(n=Count("pk")).values("n")[:1])


def deliveries_of(*, endpoint: Endpoint, status: str = "") -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-pk")
    return rows.filter(status=status) if status else rows


def webhook_event_seen(*, dedupe_key: str) -> bool:
    return Event.objects.filter(dedupe_key=dedupe_key).exists()
