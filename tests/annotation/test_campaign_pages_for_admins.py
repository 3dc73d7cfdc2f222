"""The campaign pages an admin uses: the preview of a campaign that follows a run, the run it
follows on its page, the status actions each status offers, and the word after each action."""

import re

import pytest
from django.urls import reverse

from annotation.models import Campaign
from annotation.services import campaign_create
from models_registry.models import GenerationRun, Response

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def _preview(admin_client, run, **headers) -> str:
    return admin_client.get(
        reverse("campaigns:preview"),
        {"kind": "safety", "lease_minutes": 10, "follow_run": run.pk},
        **headers,
    ).text


def _buttons(page: str) -> list[str]:
    return re.findall(r'name="status" value="(\w+)"', page)


def test_the_preview_of_a_campaign_following_a_run_with_no_answer_yet_says_items_will_come(
    admin_client, followed_run
):
    preview = _preview(admin_client, followed_run)

    assert "items come as the run answers" in preview
    assert "nothing to judge" not in preview


def test_the_preview_counts_the_answers_so_far_and_says_more_will_come(admin_client, followed_run):
    Response.objects.filter(pk=followed_run.responses.first().pk).update(
        status=Response.Status.SUCCEEDED, text="a"
    )

    preview = _preview(admin_client, followed_run)

    assert "make <b>1</b> item so far" in preview


def test_the_preview_of_a_finished_run_without_answers_still_says_there_is_nothing_to_judge(
    admin_client, followed_run
):
    GenerationRun.objects.filter(pk=followed_run.pk).update(status=GenerationRun.Status.FINISHED)

    assert "nothing to judge" in _preview(admin_client, followed_run)


def test_the_preview_for_a_run_speaks_chinese(admin_client, followed_run):
    preview = _preview(admin_client, followed_run, **CHINESE)

    assert "items come as the run answers" not in preview
    assert "该生成任务尚无回答" in preview


def test_the_campaign_page_names_the_run_it_follows_with_a_link(admin_client, followed_run):
    GenerationRun.objects.filter(pk=followed_run.pk).update(name="nightly <run>")
    campaign = campaign_create(
        name="follower",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(runs=followed_run),
        follow_run=followed_run,
    )

    page = admin_client.get(reverse("campaigns:detail", args=[campaign.pk])).text

    link = reverse("models_registry:run_detail", args=[followed_run.pk])
    assert f'<a href="{link}">nightly &lt;run&gt;</a>' in page


def test_a_campaign_that_follows_no_run_says_nothing_of_runs(admin_client, make_campaign):
    campaign = make_campaign(("p", "r"))

    page = admin_client.get(reverse("campaigns:detail", args=[campaign.pk])).text

    assert 'data-k="follows-run"' not in page


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (Campaign.Status.DRAFT, ["open"]),
        (Campaign.Status.OPEN, ["paused", "closed"]),
        (Campaign.Status.PAUSED, ["open", "closed"]),
        (Campaign.Status.CLOSED, []),
    ],
)
def test_each_status_offers_only_the_steps_it_can_take(admin_client, make_campaign, status, offered):
    campaign = make_campaign(("p", "r"), status=status)

    page = admin_client.get(reverse("campaigns:detail", args=[campaign.pk])).text

    assert _buttons(page) == offered


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (Campaign.Status.DRAFT, "open", "The campaign is open: judges can take its items."),
        (Campaign.Status.OPEN, "paused", "The campaign is paused"),
        (Campaign.Status.OPEN, "closed", "The campaign is closed"),
    ],
)
def test_each_status_change_says_what_it_did(admin_client, make_campaign, before, after, message):
    campaign = make_campaign(("p", "r"), status=before)

    page = admin_client.post(
        reverse("campaigns:status", args=[campaign.pk]), {"status": after}, follow=True
    ).text

    assert message in page
    campaign.refresh_from_db()
    assert campaign.status == after


def test_opening_says_so_in_chinese(admin_client, make_campaign):
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)

    page = admin_client.post(
        reverse("campaigns:status", args=[campaign.pk]), {"status": "open"}, follow=True, **CHINESE
    ).text

    assert "The campaign is open" not in page
    assert "评测任务已开放" in page


def test_a_refused_change_says_why_and_not_that_it_happened(admin_client, make_campaign):
    campaign = make_campaign(("p", "r"), status=Campaign.Status.CLOSED)

    page = admin_client.post(
        reverse("campaigns:status", args=[campaign.pk]), {"status": "open"}, follow=True
    ).text

    assert "cannot become" in page
    assert "The campaign is open" not in page
