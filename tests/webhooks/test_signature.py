"""Each delivery is signed; the receiver's check (docs/webhooks.md) accepts it and refuses a
replay with an old timestamp or a timestamp changed in transit."""

from __future__ import annotations

import pytest

from tests.support.webhook_receiver import signature_verify
from tests.webhooks.conftest import wait_for
from webhooks.models import EventKind
from webhooks.services import endpoint_test_send

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_delivery_carries_a_signature_that_the_receiver_verifies(
    real_worker, receivers, endpoint_for, admin_user
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)

    endpoint_test_send(endpoint=endpoint, by=admin_user)

    assert wait_for(lambda: receiver.received)
    assert [r.signature_ok for r in receiver.received] == [True]


def test_a_replay_with_an_old_timestamp_is_refused_by_the_receivers_check(
    real_worker, receivers, endpoint_for, admin_user
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    endpoint_test_send(endpoint=endpoint, by=admin_user)
    assert wait_for(lambda: receiver.received)
    recorded = receiver.received[0]
    sent_at = int(recorded.headers["X-ValueLens-Timestamp"])

    replayed_later = signature_verify(
        secret=receiver.secret, headers=recorded.headers, body=recorded.body, now=sent_at + 301
    )

    assert replayed_later is False


def test_a_timestamp_changed_in_transit_breaks_the_signature(
    real_worker, receivers, endpoint_for, admin_user
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    endpoint_test_send(endpoint=endpoint, by=admin_user)
    assert wait_for(lambda: receiver.received)
    recorded = receiver.received[0]
    fresher = {
        **recorded.headers,
        "X-ValueLens-Timestamp": str(int(recorded.headers["X-ValueLens-Timestamp"]) + 60),
    }

    assert signature_verify(secret=receiver.secret, headers=fresher, body=recorded.body) is False
