from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.models import Campaign, Item
from annotation.services import campaign_create, campaign_items_sync, campaigns_follow_runs
from annotation.tasks import campaigns_follow_runs as campaigns_follow_runs_task
from models_registry.models import GenerationRun, Response
from tests.config.api_support import api_as

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]


@pytest.fixture
def run(followed_run) -> GenerationRun:
    return followed_run


def answer(run: GenerationRun, count: int) -> None:
    ids = (
        run.responses.filter(status=Response.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    Response.objects.filter(id__in=list(ids)).update(status=Response.Status.SUCCEEDED, text="an answer")


def follower(run: GenerationRun) -> Campaign:
    campaign = campaign_create(
        name="follower",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(runs=run),
        follow_run=run,
    )
    campaign.status = Campaign.Status.OPEN
    campaign.save()
    return campaign


def test_a_campaign_that_follows_a_run_may_open_before_any_answer(run):
    campaign = follower(run)

    assert campaign.items.count() == 0


def test_each_answer_given_later_becomes_an_item(run):
    campaign = follower(run)

    answer(run, 1)
    first = campaigns_follow_runs()
    answer(run, 2)
    second = campaigns_follow_runs()

    assert (first, second) == (1, 2)
    assert campaign.items.count() == 3
    assert set(Item.objects.filter(campaign=campaign).values_list("open_slots", flat=True)) == {3}


def test_a_second_pass_adds_no_response_twice(run):
    campaign = follower(run)
    answer(run, 2)

    campaign_items_sync(campaign=campaign)
    again = campaign_items_sync(campaign=campaign)

    assert again == 0
    assert campaign.items.count() == 2


def test_answers_already_there_are_items_from_the_start(run):
    answer(run, 2)

    assert follower(run).items.count() == 2


def test_a_closed_campaign_stops_following(run):
    campaign = follower(run)
    campaign.status = Campaign.Status.CLOSED
    campaign.save()
    answer(run, 2)

    campaigns_follow_runs()

    assert campaign.items.count() == 0


def test_a_run_finished_long_ago_is_no_longer_followed(run):
    campaign = follower(run)
    answer(run, 4)
    run.status, run.finished_at = GenerationRun.Status.FINISHED, timezone.now() - timedelta(hours=1)
    run.save()

    campaigns_follow_runs()

    assert campaign.items.count() == 0


def test_a_campaign_without_a_run_to_follow_still_needs_an_answer(run):
    with pytest.raises(ValueError, match="nothing to judge"):
        campaign_create(name="empty", kind=Campaign.Kind.SAFETY, responses=Response.objects.filter(runs=run))


def test_following_a_run_does_not_group_samples(run):
    with pytest.raises(ValueError, match="one response per item"):
        campaign_create(
            name="grouped",
            kind=Campaign.Kind.RESPONSIBILITY,
            responses=Response.objects.filter(runs=run),
            follow_run=run,
            group_samples=True,
        )


def test_the_beat_task_brings_the_followers_up_to_date(run):
    campaign = follower(run)
    answer(run, 3)

    campaigns_follow_runs_task.delay()

    assert campaign.items.count() == 3


def test_the_api_opens_a_campaign_that_follows_a_run_before_it_answers(run, admin_user):

    response = api_as(admin_user).post(
        "/api/campaigns/", {"name": "via api", "kind": "safety", "follow_run": run.pk}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert Campaign.objects.get(name="via api").follows_run == run


def test_following_a_run_with_other_filters_is_refused(run, admin_user):

    response = api_as(admin_user).post(
        "/api/campaigns/",
        {"name": "via api", "kind": "safety", "follow_run": run.pk, "level": "safety"},
        format="json",
    )

    assert response.status_code == 400
    assert "follow_run" in response.json()
