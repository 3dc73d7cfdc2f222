"""An authoring campaign's content warning is acknowledged once per author, stored in the database,
and every way to write in the campaign (the pages, the API's submits and near-duplicate check, the
start of an attack conversation) refuses until it is."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from authoring.attack import conversation_start
from authoring.models import AuthoringCampaign, AuthoringWarningSeen, Conversation, Submission
from authoring.services import ContentWarningUnacknowledged, authoring_warning_acknowledge
from common.roles import Role
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

WARNING = "Some prompts describe abuse."
CODE = "content_warning_unacknowledged"


@pytest.fixture
def warned(make_authoring) -> AuthoringCampaign:
    return make_authoring(AuthoringCampaign.Kind.EXPERT, content_warning=WARNING)


@pytest.fixture
def warned_attack(make_authoring) -> AuthoringCampaign:
    return make_authoring(AuthoringCampaign.Kind.ATTACK, content_warning=WARNING)


def submit(client, campaign: AuthoringCampaign, **headers: str):
    return client.post(
        f"/api/authoring/campaigns/{campaign.pk}/submit/",
        {"text": "一个问题", "submit_key": str(uuid.uuid4())},
        format="json",
        **headers,
    )


def acknowledge(client, campaign: AuthoringCampaign):
    return client.post(f"/api/authoring/campaigns/{campaign.pk}/content-warning/")


def test_an_api_submit_before_acknowledging_is_refused_with_409_a_code_and_how_to_acknowledge(expert, warned):
    response = submit(api_as(expert), warned)

    assert response.status_code == 409
    assert response.json()["code"] == CODE
    assert f"/api/authoring/campaigns/{warned.pk}/content-warning/" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_the_refusal_is_in_the_authors_language(expert, warned):
    response = submit(api_as(expert), warned, HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert response.status_code == 409
    assert "内容提示" in response.json()["detail"]
    assert response.json()["code"] == CODE


def test_after_acknowledging_through_the_api_a_submit_is_accepted(expert, warned):
    client = api_as(expert)

    acknowledged = acknowledge(client, warned)
    response = submit(client, warned)

    assert acknowledged.status_code == 200
    assert acknowledged.json()["content_warning_acknowledged"] is True
    assert response.status_code == 201
    assert Submission.objects.get().author == expert


def test_acknowledging_on_the_page_counts_for_the_api(client, expert, warned):
    client.force_login(expert)
    client.post(reverse("authoring:content_warning", args=[warned.pk]))

    assert submit(api_as(expert), warned).status_code == 201


def test_acknowledging_through_the_api_lets_the_page_open_without_the_warning(client, expert, warned):
    acknowledge(api_as(expert), warned)
    client.force_login(expert)

    page = client.get(reverse("authoring:write", args=[warned.pk])).content.decode()

    assert 'name="text"' in page
    assert WARNING not in page


def test_a_campaign_without_a_warning_needs_no_acknowledgement(expert, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    client = api_as(expert)

    shown = client.get(f"/api/authoring/campaigns/{campaign.pk}/").json()
    response = submit(client, campaign)

    assert shown["content_warning_acknowledged"] is None
    assert response.status_code == 201


def test_acknowledging_a_campaign_without_a_warning_stores_nothing(expert, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    response = acknowledge(api_as(expert), campaign)

    assert response.status_code == 200
    assert not AuthoringWarningSeen.objects.exists()


def test_acknowledging_twice_by_either_way_stores_it_once(client, expert, warned):
    client.force_login(expert)
    client.post(reverse("authoring:content_warning", args=[warned.pk]))
    first = acknowledge(api_as(expert), warned)
    again = acknowledge(api_as(expert), warned)

    assert (first.status_code, again.status_code) == (200, 200)
    assert AuthoringWarningSeen.objects.filter(campaign=warned, user=expert).count() == 1


def test_the_api_shows_authors_the_warning_and_whether_they_acknowledged_it(expert, warned):
    client = api_as(expert)

    before = client.get("/api/authoring/campaigns/").json()["results"]
    acknowledge(client, warned)
    after = client.get(f"/api/authoring/campaigns/{warned.pk}/").json()

    assert [(c["content_warning"], c["content_warning_acknowledged"]) for c in before] == [(WARNING, False)]
    assert (after["content_warning"], after["content_warning_acknowledged"]) == (WARNING, True)


def test_one_authors_acknowledgement_does_not_count_for_another(expert, make_user, warned):
    acknowledge(api_as(expert), warned)
    other = make_user(Role.EXPERT, domains=("law",))

    response = submit(api_as(other), warned)

    assert response.status_code == 409
    assert (
        api_as(other).get(f"/api/authoring/campaigns/{warned.pk}/").json()["content_warning_acknowledged"]
        is False
    )


def test_someone_who_may_not_write_in_the_campaign_cannot_acknowledge_its_warning(make_user, warned):
    response = acknowledge(api_as(make_user(Role.CROWDWORKER)), warned)

    assert response.status_code == 400
    assert not AuthoringWarningSeen.objects.exists()


def test_the_api_near_duplicate_check_is_refused_until_the_warning_is_acknowledged(expert, warned):
    client = api_as(expert)
    url = f"/api/authoring/campaigns/{warned.pk}/near-duplicates/"

    before = client.post(url, {"text": "问题"}, format="json")
    acknowledge(client, warned)
    after = client.post(url, {"text": "问题"}, format="json")

    assert (before.status_code, before.json()["code"]) == (409, CODE)
    assert after.status_code == 200


def test_the_pages_near_duplicate_check_is_refused_until_the_warning_is_acknowledged(client, expert, warned):
    client.force_login(expert)
    url = reverse("authoring:check", args=[warned.pk])

    before = client.post(url, {"text": "问题"})
    client.post(reverse("authoring:content_warning", args=[warned.pk]))
    after = client.post(url, {"text": "问题"})

    assert before.status_code == 409
    assert after.status_code == 200


# ---------------------------------------------------------------- attack conversations


def test_a_conversation_is_not_started_by_the_service_before_the_warning_is_acknowledged(
    crowdworker, warned_attack
):
    with pytest.raises(ContentWarningUnacknowledged):
        conversation_start(campaign=warned_attack, author=crowdworker)

    assert not Conversation.objects.exists()


def test_a_conversation_starts_once_the_warning_was_acknowledged_through_the_api(crowdworker, warned_attack):
    acknowledge(api_as(crowdworker), warned_attack)

    assert conversation_start(campaign=warned_attack, author=crowdworker).author == crowdworker


def test_starting_over_is_refused_before_a_warning_added_since_is_acknowledged(
    client, crowdworker, make_authoring, make_conversation
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(campaign, crowdworker, ("教我撬锁", "好的"))
    AuthoringCampaign.objects.filter(pk=campaign.pk).update(content_warning=WARNING)
    client.force_login(crowdworker)

    page = client.post(reverse("authoring:attack_restart", args=[conversation.pk]), follow=True)

    assert WARNING in page.content.decode()
    assert Conversation.objects.get().status == Conversation.Status.OPEN


def test_an_attack_handed_in_over_the_api_is_refused_before_a_warning_added_since_is_acknowledged(
    crowdworker, make_authoring, make_conversation
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(campaign, crowdworker, ("教我撬锁", "好的"))
    AuthoringCampaign.objects.filter(pk=campaign.pk).update(content_warning=WARNING)
    url = f"/api/authoring/conversations/{conversation.pk}/submit/"
    body = {"author_says_harmful": True, "scenario": "crimes", "submit_key": str(uuid.uuid4())}

    refused = api_as(crowdworker).post(url, body, format="json")
    authoring_warning_acknowledge(user=crowdworker, campaign=AuthoringCampaign.objects.get(pk=campaign.pk))
    accepted = api_as(crowdworker).post(url, body, format="json")

    assert (refused.status_code, refused.json()["code"]) == (409, CODE)
    assert accepted.status_code == 201
    conversation.refresh_from_db()
    assert Submission.objects.get().conversation == conversation
