"""One rule of when an item is complete: the campaign page's progress and the results count the
same items, in a fixed-N campaign, an adaptive-overlap one and a triaged one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item, ItemPurpose, Judgement
from annotation.quality.services import judge_competence_record
from annotation.services import items_judges_needed_set, judgement_submit, judgement_void
from common.roles import Role
from evaluation.figures.selectors import FigureScope
from tests.annotation.fixtures import lease_give

pytestmark = pytest.mark.django_db


def _judge(people, item: Item, verdicts: list[bool]) -> None:
    for person, safe in zip(people, verdicts, strict=False):
        lease_give(user=person, item=item)
        judgement_submit(user=person, item=Item.objects.get(pk=item.pk), data={"safe": safe})


def _items(campaign: Campaign) -> dict[str, Item]:
    return {item.prompt.text: item for item in campaign.items.select_related("prompt")}


def _complete_on_the_progress_page(client, campaign: Campaign) -> int:
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).text
    return int(re.search(r'data-k="complete">(\d+)<', page).group(1))


def _counted_in_results(campaign: Campaign) -> set[int]:
    return set(FigureScope(campaign_ids=(campaign.pk,)).judgements().values_list("item_id", flat=True))


def _assert_progress_and_results_agree(client, campaign: Campaign, expected: set[str]) -> None:
    complete = set(
        Item.objects.complete(campaign=campaign)
        .filter(purpose=ItemPurpose.REGULAR)
        .values_list("prompt__text", flat=True)
    )
    counted = set(
        Item.objects.filter(pk__in=_counted_in_results(campaign)).values_list("prompt__text", flat=True)
    )

    assert complete == expected
    assert counted == expected
    assert _complete_on_the_progress_page(client, campaign) == len(expected)


@pytest.fixture
def people(make_user):
    return [make_user(Role.CROWDWORKER) for _ in range(5)]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_fixed_n_item_is_complete_with_its_n_judgements_that_count(
    make_campaign, make_user, people, admin_client
):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("c", "rc"), ("d", "rd"), n=2, min_seconds=0)
    items = _items(campaign)
    _judge(people, items["a"], [True, True])
    _judge(people, items["b"], [True])
    _judge(people, items["c"], [True, False])
    judgement_void(
        judgement=Judgement.objects.filter(item=items["c"]).first(), by=make_user(Role.REVIEWER), reason="x"
    )
    _judge(people[2:], items["d"], [False, False])

    # A voided judgement reopens its slot: "c" waits for another judge, on both pages.
    _assert_progress_and_results_agree(admin_client, campaign, {"a", "d"})


def test_an_adaptive_item_is_complete_only_once_it_has_no_slot_left_to_fill(
    make_campaign, people, admin_client
):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("c", "rc"), n=3, judges_max=5, min_seconds=0)
    items = _items(campaign)
    judge_competence_record(campaign=campaign, competence={people[2].pk: 0.3})
    # Two agreeing judges close "a" at two judgements.
    _judge(people, items["a"], [True, True])
    # "b" has N = 3 judgements, but a majority backed by one competent judge only: its fourth
    # slot is open, and the item is not complete (the results once counted it at N).
    _judge(people, items["b"], [True, False, False])
    _judge(people, items["c"], [True])

    assert Item.objects.get(pk=items["b"].pk).open_slots == 1
    _assert_progress_and_results_agree(admin_client, campaign, {"a"})

    _judge(people[3:], items["b"], [False])

    _assert_progress_and_results_agree(admin_client, campaign, {"a", "b"})


def test_a_triaged_item_is_complete_with_the_fewer_people_triage_asked_for(
    make_campaign, people, admin_client
):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("c", "rc"), n=3, min_seconds=0)
    items = _items(campaign)
    items_judges_needed_set(campaign=campaign, item_ids=[items["a"].pk], judges_needed=1)
    _judge(people, items["a"], [True])
    _judge(people, items["b"], [True])
    _judge(people, items["c"], [True, True, False])

    _assert_progress_and_results_agree(admin_client, campaign, {"a", "c"})
