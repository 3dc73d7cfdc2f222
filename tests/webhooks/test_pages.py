"""The Webhooks pages (admins only): add an endpoint (its secret shown once), edit and disable
it, a test event, and "Send again" from the deliveries log (htmx)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.webhooks.conftest import wait_for
from webhooks.models import Delivery, Endpoint, EventKind
from webhooks.services import endpoint_test_send

HX = {"HX-Request": "true"}


@pytest.mark.django_db
def test_an_admin_adds_an_endpoint_and_sees_its_secret_on_that_page_only(admin_client):
    response = admin_client.post(
        reverse("webhooks:create"),
        {
            "name": "Lab CI",
            "url": "https://ci.example.org/hook",
            "events": ["export.ready", "campaign.opened"],
        },
    )

    endpoint = Endpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.events == ["campaign.opened", "export.ready"]
    assert (
        endpoint.secret
        not in admin_client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    )
    assert endpoint.secret not in admin_client.get(reverse("webhooks:list")).content.decode()


@pytest.mark.django_db
def test_an_endpoint_with_no_event_is_refused_on_the_page(admin_client):
    response = admin_client.post(reverse("webhooks:create"), {"name": "x", "url": "https://x.example.org/"})

    assert response.status_code == 400
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_a_disabled_endpoint_is_sent_no_event(admin_client, admin_user, endpoint_for, receivers):
    endpoint = endpoint_for(receivers(), EventKind.CAMPAIGN_OPENED)

    admin_client.post(
        reverse("webhooks:detail", args=[endpoint.pk]),
        {"name": endpoint.name, "url": endpoint.url, "events": ["campaign.opened"]},
    )

    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    with pytest.raises(Exception, match="disabled"):
        endpoint_test_send(endpoint=endpoint, by=admin_user)


@pytest.mark.django_db
def test_people_who_are_not_admins_cannot_open_the_webhook_pages(client, crowdworker):
    client.force_login(crowdworker)

    assert client.get(reverse("webhooks:list")).status_code == 403


@pytest.mark.django_db
def test_the_django_admin_refuses_an_endpoint_that_the_page_refuses(
    client, admin_user, endpoint_for, receivers
):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    endpoint = endpoint_for(receivers(), EventKind.CAMPAIGN_OPENED)

    response = client.post(
        reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]),
        {"name": "x", "url": "ftp://files.example.org/", "events": ["campaign.opened"], "is_active": "on"},
    )

    assert response.status_code == 200  # the form again, with the error
    endpoint.refresh_from_db()
    assert endpoint.url.startswith("http://127.0.0.1")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_send_again_on_the_deliveries_log_sends_the_event_once_more(
    real_worker, admin_client, admin_user, endpoint_for, receivers
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    admin_client.post(reverse("webhooks:test", args=[endpoint.pk]))
    assert wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).exists())
    delivery = Delivery.objects.get()
    log = admin_client.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert reverse("webhooks:resend", args=[delivery.pk]) in log

    row = admin_client.post(reverse("webhooks:resend", args=[delivery.pk]), headers=HX)

    assert f'id="delivery-{delivery.pk}"' in row.content.decode()
    assert wait_for(lambda: len(receiver.received) == 2)
    assert {r.event_id for r in receiver.received} == {str(delivery.event.uuid)}
    assert wait_for(lambda: Delivery.objects.get().attempts == 2)


@pytest.mark.django_db
def test_the_endpoint_list_counts_waiting_and_failed_deliveries(admin_client, endpoint_for, receivers):
    from datetime import timedelta

    from django.utils import timezone

    from webhooks.models import Event

    endpoint = endpoint_for(receivers(), EventKind.CAMPAIGN_OPENED)
    later = timezone.now() + timedelta(hours=1)
    for status in ("pending", "pending", "failed", "succeeded"):
        event = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={})
        Delivery.objects.create(
            event=event, endpoint=endpoint, status=status, next_attempt_at=later, expires_at=later
        )

    page = admin_client.get(reverse("webhooks:list")).content.decode()

    row = re.search(rf'<tr data-endpoint="{endpoint.pk}">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[4:6] == ["2", "1"]
