"""The webhooks REST API (admins only on every route): endpoints with their secret shown once, a
test event, the deliveries log and "Send again", through the pages' services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from common.roles import Role
from people.services import user_language_set
from tests.config.api_support import api_as
from tests.webhooks.conftest import wait_for
from webhooks.models import Delivery, Endpoint, Event, EventKind
from webhooks.services import EndpointInput, endpoint_create

NEW = {"name": "Lab CI", "url": "https://ci.example.org/hook", "events": ["export.ready", "campaign.opened"]}


@pytest.fixture
def endpoint(admin_user) -> Endpoint:
    made, _secret = endpoint_create(
        data=EndpointInput(name="Lab CI", url="https://ci.example.org/hook", events=["campaign.opened"]),
        by=admin_user,
    )
    return made


@pytest.fixture
def delivery(endpoint) -> Delivery:
    event = Event.objects.create(kind=EventKind.CAMPAIGN_OPENED, payload={})
    now = timezone.now()
    return Delivery.objects.create(
        event=event, endpoint=endpoint, status=Delivery.Status.FAILED, next_attempt_at=now, expires_at=now
    )


def routes(endpoint: Endpoint, delivery: Delivery) -> list[tuple[str, str, dict]]:
    one = f"/api/webhooks/endpoints/{endpoint.pk}/"
    return [
        ("get", "/api/webhooks/endpoints/", {}),
        ("post", "/api/webhooks/endpoints/", NEW),
        ("get", one, {}),
        ("put", one, NEW),
        ("patch", one, {"is_active": False}),
        ("delete", one, {}),
        ("post", f"{one}test/", {}),
        ("post", f"{one}secret/", {}),
        ("get", f"{one}deliveries/", {}),
        ("post", f"/api/webhooks/deliveries/{delivery.pk}/resend/", {}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT, Role.REVIEWER])
def test_people_who_are_not_admins_get_403_on_every_webhook_route(make_user, role, endpoint, delivery):
    client = api_as(make_user(role))

    answers = {
        (method, path): getattr(client, method)(path, body, format="json").status_code
        for method, path, body in routes(endpoint, delivery)
    }

    assert set(answers.values()) == {403}, answers
    assert Endpoint.objects.count() == 1
    assert Delivery.objects.get().status == Delivery.Status.FAILED


@pytest.mark.django_db
def test_a_caller_without_a_token_is_refused_on_every_webhook_route(endpoint, delivery):
    client = APIClient()

    answers = {
        (method, path): getattr(client, method)(path, body, format="json").status_code
        for method, path, body in routes(endpoint, delivery)
    }

    assert set(answers.values()) <= {401, 403}, answers
    assert Endpoint.objects.count() == 1


@pytest.mark.django_db
def test_the_secret_is_in_the_answer_to_the_create_and_never_again(admin_user):
    client = api_as(admin_user)

    created = client.post("/api/webhooks/endpoints/", NEW, format="json")

    assert created.status_code == 201
    endpoint = Endpoint.objects.get()
    assert created.json()["secret"] == endpoint.secret
    assert created["Cache-Control"] == "no-store"
    assert created.json()["events"] == ["campaign.opened", "export.ready"]
    later = [
        client.get("/api/webhooks/endpoints/"),
        client.get(f"/api/webhooks/endpoints/{endpoint.pk}/"),
        client.patch(f"/api/webhooks/endpoints/{endpoint.pk}/", {"name": "Lab CI 2"}, format="json"),
        client.get(f"/api/webhooks/endpoints/{endpoint.pk}/deliveries/"),
    ]
    assert [r.status_code for r in later] == [200, 200, 200, 200]
    assert not any(endpoint.secret in r.content.decode() for r in later)
    assert not any("secret" in r.json() for r in later[1:3])


@pytest.mark.django_db
def test_a_new_secret_replaces_the_old_one_and_is_shown_in_that_answer(admin_user, endpoint):
    old = endpoint.secret

    answer = api_as(admin_user).post(f"/api/webhooks/endpoints/{endpoint.pk}/secret/")

    endpoint.refresh_from_db()
    assert answer.json()["secret"] == endpoint.secret != old


@pytest.mark.django_db
def test_a_patch_changes_only_the_fields_it_names(admin_user, endpoint):
    answer = api_as(admin_user).patch(
        f"/api/webhooks/endpoints/{endpoint.pk}/", {"is_active": False}, format="json"
    )

    assert answer.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.events, endpoint.is_active) == ("Lab CI", ["campaign.opened"], False)


@pytest.mark.django_db
def test_an_admin_deletes_an_endpoint_with_its_deliveries(admin_user, endpoint, delivery):
    answer = api_as(admin_user).delete(f"/api/webhooks/endpoints/{endpoint.pk}/")

    assert answer.status_code == 204
    assert not Endpoint.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({**NEW, "url": "ftp://files.example.org/"}, "url", "The URL must start with https:// or http://"),
        ({**NEW, "events": []}, "events", "Choose at least one event."),
        ({**NEW, "name": "  "}, "name", "Give the endpoint a name."),
        ({**NEW, "events": ["campaign.exploded"]}, "events", "is not a valid choice"),
    ],
)
def test_an_endpoint_the_page_would_refuse_gets_a_400_that_names_the_field(admin_user, body, field, words):
    answer = api_as(admin_user).post("/api/webhooks/endpoints/", body, format="json")

    assert answer.status_code == 400
    assert words in str(answer.json()[field])
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_the_refusal_comes_in_the_chinese_an_admin_chose(admin_user):
    user_language_set(user=admin_user, language="zh-hans")

    answer = api_as(admin_user).post("/api/webhooks/endpoints/", {**NEW, "events": []}, format="json")

    assert answer.status_code == 400
    assert answer.json()["events"] == "请至少选择一个事件。"


@pytest.mark.django_db
def test_a_test_event_to_a_disabled_endpoint_is_refused_with_why(admin_user, endpoint):
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    answer = api_as(admin_user).post(f"/api/webhooks/endpoints/{endpoint.pk}/test/")

    assert answer.status_code == 400
    assert "disabled" in answer.json()["detail"]
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_the_deliveries_log_is_paginated_newest_first(admin_user, endpoint):
    client = api_as(admin_user)
    now = timezone.now()
    events = Event.objects.bulk_create(Event(kind=EventKind.CAMPAIGN_OPENED, payload={}) for _ in range(51))
    Delivery.objects.bulk_create(
        Delivery(event=e, endpoint=endpoint, next_attempt_at=now, expires_at=now) for e in events
    )
    client.post(f"/api/webhooks/endpoints/{endpoint.pk}/test/")
    newest_first = list(Delivery.objects.order_by("-pk").values_list("pk", flat=True))

    first = client.get(f"/api/webhooks/endpoints/{endpoint.pk}/deliveries/").json()
    second = client.get(first["next"]).json()

    assert first["count"] == 52
    assert first["results"][0]["kind"] == "test"
    assert [d["id"] for d in first["results"] + second["results"]] == newest_first


@pytest.mark.django_db
def test_the_deliveries_log_refuses_an_unknown_status_filter(admin_user, endpoint):
    answer = api_as(admin_user).get(f"/api/webhooks/endpoints/{endpoint.pk}/deliveries/?status=lost")

    assert answer.status_code == 400
    assert "status" in answer.json()


@pytest.mark.django_db
def test_send_again_puts_a_failed_delivery_back_in_line_now(admin_user, delivery):
    answer = api_as(admin_user).post(f"/api/webhooks/deliveries/{delivery.pk}/resend/")

    assert answer.status_code == 202
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.next_attempt_at <= timezone.now() < delivery.expires_at - timedelta(hours=1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_send_again_over_the_api_sends_the_delivery_once_more(
    real_worker, admin_user, endpoint_for, receivers
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)
    client = api_as(admin_user)
    delivery_id = client.post(f"/api/webhooks/endpoints/{endpoint.pk}/test/").json()["id"]
    assert wait_for(lambda: Delivery.objects.get(pk=delivery_id).status == Delivery.Status.SUCCEEDED)

    answer = client.post(f"/api/webhooks/deliveries/{delivery_id}/resend/")

    assert answer.status_code == 202
    assert wait_for(lambda: len(receiver.received) == 2)
    assert len({r.event_id for r in receiver.received}) == 1
    assert wait_for(lambda: Delivery.objects.get(pk=delivery_id).attempts == 2)
