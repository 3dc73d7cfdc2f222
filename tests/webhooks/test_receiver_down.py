"""A receiver that is down loses no event: it gets it once it is back (the beat's sweep sends
the retries), and every failed attempt is recorded."""

from __future__ import annotations

import pytest

from annotation.models import Campaign
from annotation.services import campaign_status_set
from tests.support.processes import free_port
from tests.webhooks.conftest import wait_for
from webhooks.models import Attempt, Delivery, EventKind

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_receiver_that_was_down_gets_the_event_once_it_is_back(
    worker_with_beat, receivers, endpoint_for, make_campaign
):
    port = free_port()
    down = receivers(port=port)
    down.stop()  # nothing listens on the endpoint's port for now
    endpoint_for(down, EventKind.CAMPAIGN_OPENED, url=f"http://127.0.0.1:{port}/hook")
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)

    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    assert wait_for(lambda: Attempt.objects.filter(status_code__isnull=True).count() >= 2)
    back = receivers(port=port, secret=down.secret)

    assert wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).exists())
    assert [(d["event"], d["data"]["campaign_id"]) for d in back.documents()] == [
        ("campaign.opened", campaign.pk)
    ]
    assert [r.signature_ok for r in back.received] == [True]


def test_each_attempt_is_recorded_with_the_receivers_response_code(
    worker_with_beat, receivers, endpoint_for, make_campaign
):
    receiver = receivers(answers=[500, (503, {"Retry-After": "1"}), 204])
    endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)

    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)

    assert wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).exists())
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code) == (3, 204), list(
        Attempt.objects.order_by("pk").values_list("status_code", "error", "created_at")
    )
    assert list(Attempt.objects.order_by("pk").values_list("status_code", flat=True)) == [500, 503, 204]
