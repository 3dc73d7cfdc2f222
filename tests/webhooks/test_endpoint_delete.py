"""Deleting an endpoint: its log and the events only it was sent go, and a send under way when it
went records nothing instead of failing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from webhooks.models import Attempt, Delivery, Endpoint, Event, EventKind
from webhooks.services import Outcome, deliveries_record, endpoint_delete


def endpoint_make(name: str) -> Endpoint:
    return Endpoint.objects.create(
        name=name, url=f"https://hooks.example.org/{name}", events=["campaign.opened"], secret="s"
    )


def delivery_make(endpoint: Endpoint, event: Event, *, claim: str = "") -> Delivery:
    now = timezone.now()
    return Delivery.objects.create(
        event=event, endpoint=endpoint, next_attempt_at=now, expires_at=now, claim=claim
    )


@pytest.mark.django_db
def test_deleting_an_endpoint_takes_the_events_only_it_was_sent_and_keeps_the_others(admin_user):
    gone, staying = endpoint_make("gone"), endpoint_make("staying")
    own = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={})
    shared = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={})
    remembered = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={}, dedupe_key="complete:1")
    delivery_make(gone, own)
    delivery_make(gone, shared)
    delivery_make(staying, shared)
    delivery_make(gone, remembered)

    endpoint_delete(endpoint=gone, by=admin_user)

    assert set(Event.objects.values_list("pk", flat=True)) == {shared.pk, remembered.pk}
    assert set(Delivery.objects.values_list("endpoint_id", flat=True)) == {staying.pk}


@pytest.mark.django_db(transaction=True)
def test_a_send_that_ends_after_its_endpoint_was_deleted_records_nothing_and_does_not_fail(admin_user):
    endpoint = endpoint_make("deleted while sending")
    event = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={})
    delivery = delivery_make(endpoint, event, claim="sender-1")
    endpoint_delete(endpoint=endpoint, by=admin_user)

    deliveries_record(
        token="sender-1",
        outcomes=[Outcome(delivery_id=delivery.pk, status_code=200, error="", duration_ms=5)],
        attempts={delivery.pk: 0},
        expires={delivery.pk: timezone.now()},
    )

    assert not Attempt.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("way", ["delete page", "list action"])
def test_deleting_an_endpoint_in_the_django_admin_takes_the_events_only_it_was_sent(client, admin_user, way):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    endpoint = endpoint_make("gone from the admin")
    delivery_make(endpoint, Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={}))

    if way == "delete page":
        response = client.post(reverse("admin:webhooks_endpoint_delete", args=[endpoint.pk]), {"post": "yes"})
    else:
        response = client.post(
            reverse("admin:webhooks_endpoint_changelist"),
            {"action": "delete_selected", "_selected_action": [endpoint.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Endpoint.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_an_admin_who_is_no_superuser_reaches_the_endpoints_in_the_django_admin_and_a_reviewer_does_not(
    client, make_user
):
    endpoint_make("seen by admins")
    admin = make_user(Role.ADMIN, username="plain-admin")
    reviewer = make_user(Role.REVIEWER, username="reviewer-only")
    reviewer.is_staff = True  # even one let into the Django admin for other things
    reviewer.save()
    url = reverse("admin:webhooks_endpoint_changelist")

    client.force_login(admin)
    assert client.get(url).status_code == 200
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
