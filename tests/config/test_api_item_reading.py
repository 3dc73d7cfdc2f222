"""What each role reads of a campaign's items, through the API, in every campaign status: an
annotator reads the item they hold and the items of their own judgements, never a list."""

from __future__ import annotations

import pytest

from annotation.assignment import assignment_next_for
from annotation.models import Campaign
from annotation.services import judgement_submit
from common.roles import Role
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

STATUSES = [Campaign.Status.OPEN, Campaign.Status.PAUSED, Campaign.Status.CLOSED]


@pytest.fixture
def safety(make_campaign):
    return make_campaign(("p1", "r1"), ("p2", "r2"), ("p3", "r3"), n=2)


@pytest.fixture
def law(make_campaign):
    return make_campaign(
        ("q1", "a1"), ("q2", "a2"), ("q3", "a3"), kind=Campaign.Kind.RESPONSIBILITY, n=2, domain="law"
    )


def _held_judged_other(campaign, user, data):
    """One item the person judged, one they hold now, one they never got."""
    judged = assignment_next_for(user=user, campaign=campaign)
    judgement_submit(user=user, item=judged, data=data)
    held = assignment_next_for(user=user, campaign=campaign)
    other = campaign.items.exclude(pk__in=[judged.pk, held.pk]).first()
    return held, judged, other


def _set_status(campaign, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)


@pytest.mark.parametrize("status", STATUSES)
def test_a_crowdworker_reads_the_item_they_hold_and_those_they_judged_and_no_other(safety, make_user, status):
    user = make_user(Role.CROWDWORKER)
    held, judged, other = _held_judged_other(safety, user, {"safe": True})
    _set_status(safety, status)
    client = api_as(user)

    assert client.get(f"/api/items/{held.pk}/").status_code == 200
    assert client.get(f"/api/items/{judged.pk}/").json()["prompt"]
    assert client.get(f"/api/items/{other.pk}/").status_code == 404


@pytest.mark.parametrize("status", STATUSES)
def test_an_expert_reads_the_item_they_hold_and_those_they_judged_and_no_other(law, make_user, status):
    user = make_user(Role.EXPERT, domains=("law",))
    held, judged, other = _held_judged_other(law, user, {"score": 8})
    _set_status(law, status)
    client = api_as(user)

    assert client.get(f"/api/items/{held.pk}/").status_code == 200
    assert client.get(f"/api/items/{judged.pk}/").status_code == 200
    assert client.get(f"/api/items/{other.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
@pytest.mark.parametrize("status", STATUSES)
def test_annotators_never_get_a_list_of_items(safety, law, make_user, role, status):
    user = make_user(role, domains=("law",))
    campaign = safety if role == Role.CROWDWORKER else law
    assignment_next_for(user=user, campaign=campaign)
    _set_status(campaign, status)
    client = api_as(user)

    assert client.get("/api/items/").status_code == 403
    assert client.get("/api/items/", {"campaign": campaign.pk}).status_code == 403


def test_someone_elses_held_item_is_not_readable(safety, make_user):
    holder, other = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    item = assignment_next_for(user=holder, campaign=safety)

    assert api_as(other).get(f"/api/items/{item.pk}/").status_code == 404


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN])
@pytest.mark.parametrize("status", [*STATUSES, Campaign.Status.DRAFT])
def test_reviewers_and_admins_list_every_item(safety, law, make_user, role, status):
    _set_status(safety, status)
    _set_status(law, status)

    body = api_as(make_user(role)).get("/api/items/?page_size=100").json()

    assert body["count"] == 6


def test_the_next_item_is_readable_only_while_held(safety, make_user):
    user = make_user(Role.CROWDWORKER)
    client = api_as(user)
    item = client.post(f"/api/campaigns/{safety.pk}/next/").json()

    assert client.get(f"/api/items/{item['id']}/").status_code == 200
    client.post("/api/judgements/", {"item": item["id"], "safe": True}, format="json")
    assert client.get(f"/api/items/{item['id']}/").status_code == 200  # now one they judged
