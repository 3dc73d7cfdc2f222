"""A campaign's human sample (issue 28): people judge a uniform random sample of each model's
items, drawn from a stored seed (per scenario or domain when asked); the other items are never
served to people, on the page, the htmx path or the API; the sample is set alike on the New
campaign page, the API and the Django admin, refused there in the reader's language, and fixed
once people have judged."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.human_sample import (
    campaign_human_sample_set,
    campaign_sample_draw,
    human_sample_of,
    items_sample_marks_write,
)
from annotation.models import Campaign, Item
from annotation.selectors import campaign_progress
from annotation.services import campaign_create, campaign_items_sync, judgement_submit
from common.roles import Role
from models_registry.models import Response
from tests.config.api_support import api_as
from tests.evaluation.ppi_support import sampled_campaign

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def _rows(models: int, items: int, strata: int = 1) -> list[tuple[int, int, int | None, bool]]:
    return [(m * 1000 + i, m, i % strata, False) for m in range(models) for i in range(items)]


def test_a_rate_draws_that_share_of_each_model_the_same_way_from_the_same_seed():
    campaign = Campaign(kind=Campaign.Kind.SAFETY, human_sample_rate=0.25, human_sample_seed=42)

    first = human_sample_of(campaign, _rows(3, 20))
    again = human_sample_of(campaign, _rows(3, 20))
    campaign.human_sample_seed = 43
    other = human_sample_of(campaign, _rows(3, 20))

    assert first == again
    assert first != other
    assert Counter(item_id // 1000 for item_id in first) == {0: 5, 1: 5, 2: 5}


def test_each_item_is_equally_likely_to_be_drawn():
    campaign = Campaign(kind=Campaign.Kind.SAFETY, human_sample_rate=0.25)
    drawn: Counter[int] = Counter()
    draws = 800
    for seed in range(draws):
        campaign.human_sample_seed = seed
        drawn.update(human_sample_of(campaign, _rows(1, 20)))

    # Each of 20 items is drawn with probability 1/4: 200 of 800 draws, binomial sd ≈ 12.2;
    # ± 5 sd, and a chi-square over all 20 below its 0.999 quantile (43.8 at 19 degrees).
    expected = draws * 0.25
    assert all(abs(drawn[i] - expected) < 5 * (draws * 0.25 * 0.75) ** 0.5 for i in range(20))
    assert sum((drawn[i] - expected) ** 2 / expected for i in range(20)) < 43.8


def test_a_stratified_count_draws_that_many_in_each_scenario_of_each_model(make_user):
    sampled = sampled_campaign(
        make_user, prompts=12, human_sample_count=2, human_sample_by_group=True, seed=3
    )

    counts = Counter(
        Item.objects.filter(campaign=sampled.campaign, sampled=True).values_list(
            "model_id", "prompt__scenario_id"
        )
    )

    assert sorted(counts.values()) == [2, 2, 2, 2]
    assert Item.objects.filter(campaign=sampled.campaign, sampled=False).count() == 24 - 8


@pytest.mark.sqlite
def test_the_stored_seed_replays_the_same_sample(make_user):
    sampled = sampled_campaign(make_user, prompts=10, human_sample_rate=0.3)
    before = set(Item.objects.filter(campaign=sampled.campaign, sampled=True).values_list("pk", flat=True))
    Item.objects.filter(campaign=sampled.campaign).update(sampled=True)

    campaign_sample_draw(campaign=sampled.campaign)

    after = set(Item.objects.filter(campaign=sampled.campaign, sampled=True).values_list("pk", flat=True))
    assert after == before
    assert len(before) == 2 * 3


@pytest.fixture
def sampled(make_user):
    return sampled_campaign(make_user, models=1, prompts=6, human_sample_count=2).campaign


def _sampled_ids(campaign: Campaign) -> set[int]:
    return set(Item.objects.filter(campaign=campaign, sampled=True).values_list("pk", flat=True))


def test_the_judging_page_serves_only_sampled_items(client, sampled, crowdworker):
    client.force_login(crowdworker)
    served = []
    for _ in range(3):
        client.get(reverse("annotation:workspace", args=[sampled.pk]))
        held = Item.objects.filter(leases__user=crowdworker).first()
        if held is None:
            break
        served.append(held.pk)
        client.post(reverse("annotation:submit", args=[sampled.pk, held.pk]), {"verdict": "safe"})

    assert set(served) == _sampled_ids(sampled)


def test_the_htmx_submit_serves_only_sampled_items(client, sampled, crowdworker):
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[sampled.pk]))
    served = []
    while (held := Item.objects.filter(leases__user=crowdworker).first()) is not None:
        served.append(held.pk)
        pane = client.post(
            reverse("annotation:submit", args=[sampled.pk, held.pk]), {"verdict": "safe"}, headers=HX
        )
        assert pane.status_code == 200

    assert set(served) == _sampled_ids(sampled)
    assert len(served) == 2


@pytest.mark.sqlite
def test_the_api_serves_only_sampled_items(sampled, crowdworker):
    api = api_as(crowdworker)
    served = []
    while (response := api.post(f"/api/campaigns/{sampled.pk}/next/")).status_code == 200:
        item_id = response.json()["id"]
        served.append(item_id)
        item = Item.objects.get(pk=item_id)
        judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert response.status_code == 204
    assert set(served) == _sampled_ids(sampled)


def test_a_campaign_is_complete_when_its_sampled_items_are_judged(sampled, crowdworker, admin_user):
    while (item := assignment_next_for(user=crowdworker, campaign=sampled)) is not None:
        judgement_submit(user=crowdworker, item=item, data={"safe": True})

    progress = campaign_progress(sampled)
    api = api_as(admin_user).get(f"/api/campaigns/{sampled.pk}/progress/").json()

    assert (progress.items, progress.complete, progress.judge_only) == (2, 2, 4)
    assert progress.percent == 100.0
    assert (api["items"], api["complete"], api["judge_only"], api["percent"]) == (2, 2, 4, 100.0)


def test_a_lease_taken_after_the_redraw_read_its_rows_keeps_its_item_sampled(sampled, crowdworker):
    # The redraw read the rows and found this item free; a person leases it before the UPDATE.
    held = assignment_next_for(user=crowdworker, campaign=sampled)
    free = next(iter(_sampled_ids(sampled) - {held.pk}))

    kept = items_sample_marks_write(chosen=[], left_out=[held.pk, free])

    assert held.pk in _sampled_ids(sampled)
    assert free not in _sampled_ids(sampled)
    assert kept == 1


def test_items_a_followed_run_adds_later_are_drawn_by_the_same_rule(followed_run):
    campaign = campaign_create(
        name="follower",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(runs=followed_run),
        follow_run=followed_run,
        human_sample_rate=0.5,
    )
    Response.objects.filter(runs=followed_run).update(status=Response.Status.SUCCEEDED, text="an answer")

    campaign_items_sync(campaign=campaign)

    rows = Item.objects.filter(campaign=campaign).values_list("pk", "model_id", "prompt__scenario_id")
    expected = human_sample_of(campaign, [(pk, model, scenario, False) for pk, model, scenario in rows])
    assert _sampled_ids(campaign) == expected
    assert len(expected) == 2


@pytest.mark.parametrize(
    ("sample", "field", "english", "chinese"),
    [
        (
            {"human_sample_rate": 0},
            "human_sample_rate",
            "A sampling rate is above 0 and at most 1",
            "抽样比例",
        ),
        (
            {"human_sample_rate": 1.5},
            "human_sample_rate",
            "A sampling rate is above 0 and at most 1",
            "抽样比例",
        ),
        (
            {"human_sample_count": 0},
            "human_sample_count",
            "A sample of items counts at least 1 item.",
            "至少",
        ),
        (
            {"human_sample_rate": 0.5, "human_sample_count": 3},
            "human_sample_rate",
            "Give a sampling rate or a count of items, not both.",
            "不能同时",
        ),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_api_and_the_page_refuse_a_wrong_sample_in_the_readers_language(
    admin_client, admin_user, make_campaign, sample, field, english, chinese, language
):
    source = make_campaign(("p", "r"))
    run_responses = Response.objects.filter(items__campaign=source)
    headers = ENGLISH if language == "en" else CHINESE
    words = english if language == "en" else chinese
    body = {"name": "sampled", "kind": "safety", "target_models": [run_responses.first().model_id], **sample}

    api = api_as(admin_user).post("/api/campaigns/", body, format="json", **headers)
    page = admin_client.post(reverse("campaigns:create"), {**body, "lease_minutes": 10}, **headers)

    assert api.status_code == 400
    assert words in api.json()[field]
    assert words in " ".join(page.context["form"].errors[field])
    assert Campaign.objects.count() == 1


def test_a_pairwise_campaign_refuses_a_human_sample(admin_user, pair_setup):
    setup = pair_setup()

    response = api_as(admin_user).post(
        "/api/campaigns/",
        {
            "name": "pairs",
            "kind": "safety",
            "judging_mode": "pairwise",
            "target_models": [m.pk for m in setup.models],
            "human_sample_rate": 0.5,
        },
        format="json",
        **ENGLISH,
    )

    assert response.status_code == 400
    assert "takes no human sample" in response.json()["human_sample_rate"]


def test_the_api_sets_a_sample_and_reports_it(admin_user, make_campaign):
    source = make_campaign(*[(f"p{i}", f"r{i}") for i in range(4)])
    model_id = Response.objects.filter(items__campaign=source).first().model_id

    response = api_as(admin_user).post(
        "/api/campaigns/",
        {"name": "sampled", "kind": "safety", "target_models": [model_id], "human_sample_count": 1},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["human_sample_count"], body["human_sample_rate"]) == (1, None)
    assert isinstance(body["human_sample_seed"], int)
    assert Item.objects.filter(campaign_id=body["id"], sampled=True).count() == 1


def _admin_post(client, campaign: Campaign, **sample):
    return client.post(
        reverse("admin:annotation_campaign_change", args=[campaign.pk]),
        {
            "name": campaign.name,
            "guidelines": "",
            "blind": "on",
            "lease_minutes": 10,
            "min_seconds": 3,
            "break_after_minutes": 30,
            **sample,
        },
        **ENGLISH,
    )


def test_the_admin_sets_a_sample_and_draws_it(admin_client, make_campaign):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(4)])

    _admin_post(admin_client, campaign, human_sample_count=1)

    campaign.refresh_from_db()
    assert campaign.human_sample_count == 1
    assert campaign.human_sample_seed is not None
    assert Item.objects.filter(campaign=campaign, sampled=True).count() == 1


def test_the_admin_refuses_a_wrong_sample_beside_its_field(admin_client, make_campaign):
    campaign = make_campaign(("p", "r"))

    page = _admin_post(admin_client, campaign, human_sample_rate=2)

    assert "A sampling rate is above 0 and at most 1" in page.text
    campaign.refresh_from_db()
    assert campaign.human_sample_rate is None


def test_the_sample_cannot_change_once_people_have_judged(admin_client, make_campaign, make_user):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(4)])
    person = make_user(Role.CROWDWORKER)
    judgement_submit(
        user=person, item=assignment_next_for(user=person, campaign=campaign), data={"safe": True}
    )

    page = _admin_post(admin_client, campaign, human_sample_count=1)

    assert "its human sample can no longer change" in page.text
    campaign.refresh_from_db()
    assert campaign.human_sample_count is None
    with pytest.raises(ValueError, match="can no longer change"):
        campaign_human_sample_set(campaign=campaign, rate=0.5, count=None)


def test_the_campaign_page_says_who_judges_what(admin_client, sampled):
    page = admin_client.get(reverse("campaigns:detail", args=[sampled.pk]), **ENGLISH).text

    assert "People judge a random sample of 2 items of each model" in page
    assert "4 other items are labelled by a judge model only" in page
    assert '<td data-k="items">2</td>' in page
