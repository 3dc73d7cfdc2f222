"""The deliveries log keeps finished deliveries WEBHOOK_RETENTION_DAYS (an hourly beat task)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks.models import Attempt, Delivery, Endpoint, Event, EventKind
from webhooks.services import WebhookRejected, deliveries_prune, delivery_resend
from webhooks.tasks import webhook_log_prune

pytestmark = pytest.mark.django_db

Status = Delivery.Status


@pytest.fixture
def endpoint() -> Endpoint:
    return Endpoint.objects.create(
        name="receiver", url="https://hooks.example.org/", events=["campaign.opened"], secret="s"
    )


@pytest.fixture
def delivery(endpoint):
    def make(status: str, *, days_old: float, tried_days_ago: float | None = None) -> Delivery:
        now = timezone.now()
        event = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={})
        row = Delivery.objects.create(
            event=event, endpoint=endpoint, status=status, next_attempt_at=now, expires_at=now
        )
        tried = None if tried_days_ago is None else now - timedelta(days=tried_days_ago)
        Delivery.objects.filter(pk=row.pk).update(
            created_at=now - timedelta(days=days_old), last_attempt_at=tried
        )
        Attempt.objects.create(delivery=row, status_code=200)
        return row

    return make


def left() -> set[int]:
    return set(Delivery.objects.values_list("pk", flat=True))


def test_finished_deliveries_older_than_the_retention_leave_the_log_with_their_attempts(delivery, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    delivered = delivery(Status.SUCCEEDED, days_old=40, tried_days_ago=40)
    failed = delivery(Status.FAILED, days_old=45)

    webhook_log_prune()

    assert left() == set()
    assert not Attempt.objects.filter(delivery_id__in=[delivered.pk, failed.pk]).exists()
    assert not Event.objects.exists()


def test_recent_finished_deliveries_stay(delivery, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    recent = delivery(Status.SUCCEEDED, days_old=29, tried_days_ago=29)
    # Made long ago, but sent again ("Send again") yesterday.
    resent = delivery(Status.SUCCEEDED, days_old=60, tried_days_ago=1)

    deliveries_prune()

    assert left() == {recent.pk, resent.pk}


def test_a_delivery_still_waiting_or_being_retried_stays_however_old(delivery, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    waiting = delivery(Status.PENDING, days_old=90)
    retrying = delivery(Status.PENDING, days_old=90, tried_days_ago=60)

    deliveries_prune()

    assert left() == {waiting.pk, retrying.pk}


def test_a_retention_of_zero_keeps_every_delivery(delivery, settings):
    settings.WEBHOOK_RETENTION_DAYS = 0
    ancient = delivery(Status.SUCCEEDED, days_old=3650, tried_days_ago=3650)

    assert deliveries_prune() == 0
    assert left() == {ancient.pk}


def test_a_long_log_is_pruned_a_batch_at_a_time_to_the_end(delivery, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    for _ in range(7):
        delivery(Status.SUCCEEDED, days_old=40, tried_days_ago=40)
    keep = delivery(Status.SUCCEEDED, days_old=1, tried_days_ago=1)

    assert deliveries_prune(batch=3) == 7
    assert left() == {keep.pk}


def test_an_event_that_remembers_a_periodic_check_stays_when_its_deliveries_go(delivery, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    old = delivery(Status.SUCCEEDED, days_old=40, tried_days_ago=40)
    Event.objects.filter(pk=old.event_id).update(dedupe_key="campaign.completed:1:10")

    deliveries_prune()

    assert left() == set()
    assert Event.objects.filter(dedupe_key="campaign.completed:1:10").exists()


def test_the_prune_runs_every_hour(settings):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["webhooks.tasks.webhook_log_prune"] == 3600.0


def test_send_again_on_a_delivery_the_prune_just_removed_says_why(delivery, settings, admin_user):
    settings.WEBHOOK_RETENTION_DAYS = 30
    shown = delivery(Status.FAILED, days_old=40)
    deliveries_prune()

    with pytest.raises(WebhookRejected, match="no longer in the log"):
        delivery_resend(delivery=shown, by=admin_user)
