"""Nothing is lost with a task: the beat's sweep sends a delivery whose task never ran or whose
worker died holding it; a delivery failing past its maximum age is marked failed, visibly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.webhooks.conftest import wait_for
from webhooks.models import Delivery, Endpoint, Event, EventKind
from webhooks.sending import endpoint_flush
from webhooks.services import EndpointInput, deliveries_sweep, endpoint_update


def _delivery(endpoint, **fields) -> Delivery:
    """A delivery row written with no task queued for it (its message lost, its worker killed)."""
    now = timezone.now()
    event = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={"campaign_id": 7, "links": {}})
    fields = {"next_attempt_at": now, "expires_at": now + timedelta(days=1), **fields}
    return Delivery.objects.create(event=event, endpoint=endpoint, **fields)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_delivery_held_by_a_worker_that_died_is_sent_by_the_sweep(
    worker_with_beat, receivers, endpoint_for
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    dead_claim = _delivery(
        endpoint, claim="dead-host:1:x", claimed_until=timezone.now() - timedelta(seconds=1)
    )

    assert wait_for(lambda: receiver.received)
    assert [r.delivery for r in receiver.received] == [str(dead_claim.pk)]
    assert wait_for(lambda: Delivery.objects.get().status == Delivery.Status.SUCCEEDED)


@pytest.mark.sqlite
@pytest.mark.django_db
def test_a_delivery_still_failing_after_its_maximum_age_is_marked_failed_on_the_page(
    admin_client, receivers, endpoint_for, settings
):
    receiver = receivers(answers=[500])
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    # Its next try, a minute or so away, would come after its maximum age.
    settings.WEBHOOK_BACKOFF_BASE_S = settings.WEBHOOK_BACKOFF_MAX_S = 120
    _delivery(endpoint, expires_at=timezone.now() + timedelta(seconds=30))

    endpoint_flush(endpoint_id=endpoint.pk)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Delivery.Status.FAILED, 1, 500)
    page = admin_client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert 'data-status="failed"' in page


@pytest.mark.django_db
def test_enabling_an_endpoint_again_sends_only_the_deliveries_within_their_maximum_age(
    admin_client, admin_user, receivers, endpoint_for, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    past = timezone.now() - timedelta(days=4)
    stale = _delivery(endpoint, next_attempt_at=past, expires_at=past + timedelta(days=3))
    fresh = _delivery(endpoint)

    with django_capture_on_commit_callbacks(execute=True):
        endpoint_update(
            endpoint=endpoint,
            data=EndpointInput(name=endpoint.name, url=endpoint.url, events=endpoint.events, is_active=True),
            by=admin_user,
        )

    assert wait_for(lambda: Delivery.objects.get(pk=fresh.pk).status == Delivery.Status.SUCCEEDED)
    assert [r.delivery for r in receiver.received] == [str(fresh.pk)]
    stale.refresh_from_db()
    assert (stale.status, stale.attempts) == (Delivery.Status.FAILED, 0)
    page = admin_client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert "Not sent: it waited longer than the maximum age" in page


@pytest.mark.django_db
def test_the_sweep_fails_a_waiting_delivery_past_its_maximum_age_without_sending_it(receivers, endpoint_for):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    past = timezone.now() - timedelta(seconds=1)
    stale = _delivery(endpoint, next_attempt_at=past, expires_at=past)

    assert deliveries_sweep() == []

    stale.refresh_from_db()
    assert (stale.status, stale.attempts) == (Delivery.Status.FAILED, 0)
    assert receiver.received == []


@pytest.mark.django_db
def test_links_in_a_payload_are_absolute_with_site_url(settings, receivers, endpoint_for, make_campaign):
    from annotation.models import Campaign
    from annotation.services import campaign_status_set

    settings.SITE_URL = "https://valuelens.example.org/"
    endpoint_for(receivers(), EventKind.CAMPAIGN_OPENED)
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)

    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)

    links = Event.objects.get().payload["links"]
    assert links == {"campaign": f"https://valuelens.example.org/campaigns/{campaign.pk}/"}


@pytest.mark.django_db
def test_a_receiver_that_is_down_is_left_to_rest_then_probed_with_a_few_deliveries(
    settings, receivers, endpoint_for
):

    from tests.support.processes import free_port
    from webhooks.models import Attempt
    from webhooks.sending import PROBE_SIZE
    from webhooks.services import endpoint_rest_end

    settings.WEBHOOK_BATCH_SIZE = 2 * PROBE_SIZE
    port = free_port()  # nothing listens there
    endpoint = endpoint_for(receivers(), EventKind.CAMPAIGN_OPENED, url=f"http://127.0.0.1:{port}/hook")
    for _ in range(3 * PROBE_SIZE):
        _delivery(endpoint)

    tried = []
    for _ in range(2):
        endpoint_flush(endpoint_id=endpoint.pk)
        tried.append(Attempt.objects.count() - sum(tried))
    endpoint_rest_end(endpoint_id=endpoint.pk)  # its rest is over
    endpoint_flush(endpoint_id=endpoint.pk)
    tried.append(Attempt.objects.count() - sum(tried))

    assert tried == [2 * PROBE_SIZE, 0, PROBE_SIZE]
