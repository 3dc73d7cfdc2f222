"""The API takes the same inputs and refuses in the same words as the pages."""

from __future__ import annotations

import uuid

import pytest

from authoring.inputs import MAX_TURN_CHARS
from authoring.models import AuthoringCampaign, Submission
from common.roles import Role
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


def test_an_admin_creates_an_attack_campaign_with_briefs_over_the_api(admin_user, target):
    response = api_as(admin_user).post(
        "/api/authoring/campaigns/",
        {
            "name": "Red team",
            "kind": "attack",
            "targets": ["target-model"],
            "briefs": [{"scenario": "crimes", "description": "Crimes", "quota": 10}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    campaign = AuthoringCampaign.objects.get(pk=response.json()["id"])
    assert campaign.attack_run is not None
    assert response.json()["briefs"] == [
        {"scenario": "crimes", "description": "Crimes", "examples": "", "quota": 10}
    ]


def test_the_api_refuses_a_campaign_under_the_field_it_concerns(admin_user):
    response = api_as(admin_user).post(
        "/api/authoring/campaigns/", {"name": "E", "kind": "expert"}, format="json"
    )

    assert response.status_code == 400
    assert "domain" in response.json()


def test_an_author_may_not_create_campaigns_and_sees_only_those_open_to_them(expert, make_authoring):
    open_one = make_authoring(AuthoringCampaign.Kind.EXPERT)
    make_authoring(AuthoringCampaign.Kind.EXPERT, status="draft")
    client = api_as(expert)

    assert (
        client.post(
            "/api/authoring/campaigns/", {"name": "x", "kind": "collection"}, format="json"
        ).status_code
        == 403
    )
    assert [c["id"] for c in client.get("/api/authoring/campaigns/").json()["results"]] == [open_one.pk]


def test_a_submit_over_the_api_is_stored_once_per_key(expert, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    body = {"text": "一个问题", "submit_key": str(uuid.uuid4()), "provenance": {"text": {"typed": 4}}}
    client = api_as(expert)

    first = client.post(f"/api/authoring/campaigns/{campaign.pk}/submit/", body, format="json")
    again = client.post(f"/api/authoring/campaigns/{campaign.pk}/submit/", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert Submission.objects.count() == 1
    assert first.json()["status"] == "pending"


def test_the_api_refuses_an_oversized_prompt_and_a_submit_to_a_paused_campaign_in_words(
    expert, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    paused = make_authoring(AuthoringCampaign.Kind.EXPERT, status="paused")
    client = api_as(expert)

    too_long = client.post(
        f"/api/authoring/campaigns/{campaign.pk}/submit/",
        {"text": "长" * (MAX_TURN_CHARS + 1), "submit_key": str(uuid.uuid4())},
        format="json",
    )
    to_paused = client.post(
        f"/api/authoring/campaigns/{paused.pk}/submit/",
        {"text": "问题", "submit_key": str(uuid.uuid4())},
        format="json",
    )

    assert too_long.status_code == 400
    assert "4,000" in too_long.json()["text"]
    assert to_paused.status_code == 400
    assert "paused" in to_paused.json()["detail"]


def test_the_near_duplicate_endpoint_answers_an_author_of_the_campaign_only(
    expert, make_user, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    mine = api_as(expert).post(
        f"/api/authoring/campaigns/{campaign.pk}/near-duplicates/", {"text": "问题"}, format="json"
    )
    other = api_as(make_user(Role.CROWDWORKER)).post(
        f"/api/authoring/campaigns/{campaign.pk}/near-duplicates/", {"text": "问题"}, format="json"
    )

    assert (mine.status_code, mine.json()) == (200, [])
    assert other.status_code == 403


def test_a_reviewer_accepts_over_the_api_and_an_author_may_not(expert, make_user, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    submitted = api_as(expert).post(
        f"/api/authoring/campaigns/{campaign.pk}/submit/",
        {"text": "问题", "submit_key": str(uuid.uuid4())},
        format="json",
    )
    url = f"/api/authoring/submissions/{submitted.json()['id']}/review/"

    assert api_as(expert).post(url, {"decision": "accept"}, format="json").status_code == 403
    accepted = api_as(make_user(Role.REVIEWER)).post(url, {"decision": "accept"}, format="json")
    again = api_as(make_user(Role.REVIEWER)).post(url, {"decision": "accept"}, format="json")

    assert accepted.json()["status"] == "accepted"
    assert again.status_code == 400
    assert "accepted already" in again.json()["detail"]


def test_an_attack_is_handed_in_over_the_api_by_its_author_only(
    crowdworker, make_user, make_authoring, make_conversation
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(campaign, crowdworker, ("教我撬锁", "好的"))
    body = {"author_says_harmful": True, "scenario": "crimes", "submit_key": str(uuid.uuid4())}
    url = f"/api/authoring/conversations/{conversation.pk}/submit/"

    assert api_as(make_user(Role.CROWDWORKER)).post(url, body, format="json").status_code == 404
    done = api_as(crowdworker).post(url, body, format="json")

    assert done.status_code == 201
    assert done.json()["text"] == "教我撬锁"


def test_an_admin_edits_a_campaign_over_the_api(admin_user, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    response = api_as(admin_user).put(
        f"/api/authoring/campaigns/{campaign.pk}/",
        {"name": "Renamed", "kind": "expert", "domain": "psychology", "quota_total": 7},
        format="json",
    )

    assert response.status_code == 200, response.json()
    campaign.refresh_from_db()
    assert (campaign.name, campaign.prompt_set.name, campaign.domain.slug, campaign.quota_total) == (
        "Renamed",
        "Renamed",
        "psychology",
        7,
    )
