"""The item browser's bulk actions: each a POST with CSRF that first shows what will change, then
goes through the one service of its kind (judgement_void, the adjudication queue, export_create)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annotation.models import AdjudicationRequest, Judgement
from annotation.quality.selectors import adjudication_queue
from common.roles import Role
from evaluation.models import Export
from tests.evaluation.export_support import jsonl, zip_members
from tests.evaluation.item_browser_support import browsable_build

pytestmark = pytest.mark.django_db

BULK = "/evaluation/items/actions/"


@pytest.fixture
def site(make_user, make_campaign):
    return browsable_build(make_user, make_campaign)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(client, items, action, reason="", confirmed=False, **extra):
    data = {"items": [i.pk for i in items], "action": action, "reason": reason, **extra}
    if confirmed:
        data["confirmed"] = "on"
    return client.post(BULK, data)


def test_the_actions_url_is_named():
    assert reverse("evaluation:item_bulk") == BULK


def test_voiding_first_says_what_will_change_and_changes_nothing(site, reviewer):
    response = _send(_client(reviewer), [site.items["a"], site.items["b"]], "void", "a bot answered")

    assert response.status_code == 200
    assert "Void 6 judgements of 2 selected items?" in response.text
    assert "a bot answered" in response.text
    assert not Judgement.objects.filter(voided_at__isnull=False).exists()


def test_confirmed_voiding_voids_every_judgement_of_the_items_as_a_single_void_does(site, reviewer):
    item = site.items["b"]

    response = _send(
        _client(reviewer),
        [item],
        "void",
        "a bot answered",
        confirmed=True,
        back="/evaluation/items/?final=safe",
    )

    assert response.status_code == 302
    assert response.url == "/evaluation/items/?final=safe"
    voided = Judgement.objects.filter(item=item)
    assert {(j.voided_by_id, j.void_reason) for j in voided} == {(reviewer.pk, "a bot answered")}
    item.refresh_from_db()
    assert (item.judgement_count, item.open_slots) == (0, 3)
    assert not Judgement.objects.filter(item=site.items["a"], voided_at__isnull=False).exists()


def test_voiding_without_a_reason_is_refused(site, reviewer):
    response = _send(_client(reviewer), [site.items["a"]], "void", "  ", confirmed=True)

    assert response.status_code == 400
    assert "Say why the judgements are voided." in response.text
    assert not Judgement.objects.filter(voided_at__isnull=False).exists()


def test_a_back_address_on_another_site_is_not_followed(site, reviewer):
    response = _send(
        _client(reviewer), [site.items["a"]], "void", "x", confirmed=True, back="https://evil.example/"
    )

    assert response.url == "/evaluation/items/"


def test_sent_items_join_their_campaigns_adjudication_queue_whatever_their_agreement(site, reviewer):
    unanimous, unjudged = site.items["a"], site.items["d"]

    _send(_client(reviewer), [unanimous, unjudged], "adjudicate", "check the dog", confirmed=True)

    rows = {row.item_id: row for row in adjudication_queue(site.safety)}
    assert rows[unanimous.pk].requested
    assert rows[unjudged.pk].requested
    # Sent items come first in the queue.
    assert {row.item_id for row in adjudication_queue(site.safety)[:2]} == {unanimous.pk, unjudged.pk}
    assert AdjudicationRequest.objects.get(item=unanimous).note == "check the dog"


def test_a_reviewer_may_not_export_a_selection(site, reviewer):
    response = _send(_client(reviewer), [site.items["a"]], "export_csv", confirmed=True)

    assert response.status_code == 403
    assert not Export.objects.exists()


def test_an_admin_exports_just_the_selected_items(site, make_user, django_capture_on_commit_callbacks):
    admin = make_user(Role.ADMIN)
    chosen = [site.items["a"], site.items["rated"]]

    with django_capture_on_commit_callbacks(execute=True):
        response = _send(_client(admin), chosen, "export_jsonl", confirmed=True)

    export = Export.objects.get()
    assert response.url == reverse("evaluation:export", args=[export.pk])
    assert export.scope["item_ids"] == sorted(i.pk for i in chosen)
    export.refresh_from_db()
    assert export.status == Export.Status.READY
    members = zip_members(export.file.path)
    assert sorted(row["item_id"] for row in jsonl(members["items.jsonl"])) == sorted(i.pk for i in chosen)
    assert {row["item_id"] for row in jsonl(members["judgements.jsonl"])} == {i.pk for i in chosen}


def test_the_actions_need_the_csrf_token(site, reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)

    response = _send(client, [site.items["a"]], "void", "x", confirmed=True)

    assert response.status_code == 403
    assert not Judgement.objects.filter(voided_at__isnull=False).exists()


def test_the_actions_refuse_get(reviewer):
    assert _client(reviewer).get(BULK).status_code == 405
