"""The Django admin keeps the workspace's rules: what a campaign is made of is fixed, its status
moves only through the service, and a judgement is voided (with a reason), never deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.services import JudgementRejected, judgement_submit, judgement_void
from common.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"), ("p2", "r2"), n=2)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})
    return judgement


def test_kind_n_and_status_cannot_be_changed_on_the_campaign_form(client, admin_user, make_campaign):
    campaign = make_campaign(("p", "r"), n=3)
    client.force_login(admin_user)
    url = reverse("admin:annotation_campaign_change", args=[campaign.pk])

    page = client.get(url).content.decode()
    client.post(
        url,
        {
            "name": "renamed",
            "kind": "responsibility",
            "judges_per_item": 9,
            "status": "draft",
            "guidelines": "",
            "blind": "on",
            "lease_minutes": 10,
            "min_seconds": 3,
            "break_after_minutes": 30,
        },
    )

    assert 'name="kind"' not in page
    assert 'name="judges_per_item"' not in page
    assert 'name="status"' not in page
    campaign.refresh_from_db()
    assert (campaign.name, campaign.kind, campaign.judges_per_item, campaign.status) == (
        "renamed",
        "safety",
        3,
        "open",
    )


def test_status_changes_in_the_admin_go_through_the_state_machine(client, admin_user, make_campaign):
    closed = make_campaign(("p", "r"), status=Campaign.Status.CLOSED)
    running = make_campaign(("q", "r"))
    client.force_login(admin_user)

    client.post(
        reverse("admin:annotation_campaign_changelist"),
        {"action": "status_open", "_selected_action": [closed.pk, running.pk]},
    )
    client.post(
        reverse("admin:annotation_campaign_changelist"),
        {"action": "status_paused", "_selected_action": [closed.pk, running.pk]},
    )

    closed.refresh_from_db()
    running.refresh_from_db()
    assert (closed.status, running.status) == ("closed", "paused")


def test_items_of_a_campaign_cannot_be_added_or_deleted_in_the_admin(client, admin_user, judged):
    client.force_login(admin_user)

    client.post(reverse("admin:annotation_item_delete", args=[judged.item_id]), {"post": "yes"})
    client.post(reverse("admin:annotation_campaign_delete", args=[judged.campaign_id]), {"post": "yes"})

    assert Item.objects.filter(pk=judged.item_id).exists()
    assert Campaign.objects.filter(pk=judged.campaign_id).exists()
    assert client.get(reverse("admin:annotation_item_add")).status_code == 403


def test_a_judgement_cannot_be_deleted_in_the_admin(client, admin_user, judged):
    client.force_login(admin_user)

    one = client.post(reverse("admin:annotation_judgement_delete", args=[judged.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:annotation_judgement_changelist"),
        {"action": "delete_selected", "_selected_action": [judged.pk], "post": "yes"},
    )

    assert one.status_code == 403
    assert bulk.status_code in (200, 302)
    assert Judgement.objects.filter(pk=judged.pk).exists()


def test_voiding_records_who_and_why_and_gives_the_slot_back(judged, make_user):
    reviewer = make_user(Role.REVIEWER)

    voided = judgement_void(judgement=judged, by=reviewer, reason=" clicked without reading ")

    assert (voided.voided_by, voided.void_reason) == (reviewer, "clicked without reading")
    assert voided.voided_at is not None
    item = Item.objects.get(pk=judged.item_id)
    assert (item.judgement_count, item.lease_count, item.open_slots) == (0, 0, 2)


def test_a_voided_item_is_served_again_to_someone_else(judged, make_user):
    judgement_void(judgement=judged, by=make_user(Role.REVIEWER), reason="spam")
    others = [make_user(Role.CROWDWORKER) for _ in range(2)]

    served = [assignment_next_for(user=o, campaign=judged.campaign).pk for o in others]

    assert served.count(judged.item_id) == 2


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
def test_annotators_cannot_void(judged, make_user, role):
    with pytest.raises(JudgementRejected, match="Only reviewers"):
        judgement_void(judgement=judged, by=make_user(role), reason="x")


def test_a_judgement_is_voided_once_and_needs_a_reason(judged, make_user):
    reviewer = make_user(Role.REVIEWER)

    with pytest.raises(JudgementRejected, match="why"):
        judgement_void(judgement=judged, by=reviewer, reason="  ")
    judgement_void(judgement=judged, by=reviewer, reason="spam")
    with pytest.raises(JudgementRejected, match="already"):
        judgement_void(judgement=judged, by=reviewer, reason="spam")

    assert Item.objects.get(pk=judged.item_id).judgement_count == 0


def test_a_reviewer_voids_on_the_void_page(client, judged, make_user):
    client.force_login(make_user(Role.REVIEWER))

    response = client.post(reverse("annotation:void", args=[judged.pk]), {"reason": "bot-like"}, follow=True)

    assert 'data-testid="voided"' in response.content.decode()
    assert Judgement.objects.get(pk=judged.pk).void_reason == "bot-like"


def test_an_annotator_cannot_open_the_void_page(client, judged, crowdworker):
    client.force_login(crowdworker)

    assert client.get(reverse("annotation:void", args=[judged.pk])).status_code == 403
