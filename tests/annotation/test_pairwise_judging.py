"""Judging a pair: each judge's left/right side is drawn and stored at lease time, the choice is
given in left/right terms and stored in A/B terms with the side the server stored (never one a
client sends), with a strength for A or B only; leases and overlap N as for any campaign."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.assignment import AssignmentRefused, assignment_next_for, assignment_next_shown
from annotation.assignment_queries import check_keys, pair_a_on_left
from annotation.models import Item, Judgement, Lease, Preference
from annotation.services import JudgementRejected, judgement_edit, judgement_submit
from common.roles import Role

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _expected(*, a_on_left: bool, choice: str) -> str:
    return {("left", True): "a", ("left", False): "b", ("right", True): "b", ("right", False): "a"}[
        (choice, a_on_left)
    ]


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_lease_stores_the_side_drawn_for_the_judge_and_item(
    make_pair_campaign, pair_setup, make_user, monkeypatch, vendor
):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=12), n=1)
    monkeypatch.setattr(connection, "vendor", vendor)
    sides = []
    for k in range(12):
        judge = make_user(Role.CROWDWORKER, username=f"judge{k}")
        shown = assignment_next_shown(user=judge, campaign=campaign)
        lease = Lease.objects.get(user=judge)
        expected = pair_a_on_left(keys=check_keys(user_id=judge.pk, campaign=campaign), item_id=lease.item_id)
        assert lease.a_on_left is expected
        assert shown.item.a_on_left is expected
        sides.append(expected)
    assert set(sides) == {True, False}


def test_a_renewed_lease_keeps_its_side(make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    first = assignment_next_shown(user=crowdworker, campaign=campaign)
    again = assignment_next_shown(user=crowdworker, campaign=campaign)
    assert again.item.pk == first.item.pk
    assert again.item.a_on_left is first.item.a_on_left is Lease.objects.get(user=crowdworker).a_on_left


@pytest.mark.parametrize("choice", ["left", "right"])
def test_a_left_or_right_choice_is_stored_as_a_or_b_by_the_stored_side(
    make_pair_campaign, crowdworker, choice
):
    campaign = make_pair_campaign()
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    side = Lease.objects.get(user=crowdworker).a_on_left

    judgement, created = judgement_submit(
        user=crowdworker, item=item, data={"choice": choice, "strength": "clearly"}
    )

    stored = Judgement.objects.get(pk=judgement.pk)
    assert created
    assert stored.preferred == _expected(a_on_left=side, choice=choice)
    assert stored.a_on_left is side
    assert stored.strength == "clearly"
    assert stored.safe is None


def test_a_side_sent_by_the_client_is_never_read(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    lease = Lease.objects.get(user=crowdworker)

    client.post(
        reverse("annotation:submit", args=[campaign.pk, lease.item_id]),
        # Everything a tampered form could add to force the other answer.
        {
            "preference": "left:clearly",
            "a_on_left": str(not lease.a_on_left),
            "side": "right",
            "preferred": "b" if lease.a_on_left else "a",
            "choice": "right",
        },
        headers=HX,
    )

    stored = Judgement.objects.get(user=crowdworker)
    assert stored.preferred == _expected(a_on_left=lease.a_on_left, choice="left")
    assert stored.a_on_left is lease.a_on_left


def test_the_api_takes_the_choice_in_the_sides_it_served(make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    api = APIClient()
    api.force_authenticate(crowdworker)

    item = api.post(f"/api/campaigns/{campaign.pk}/next/").json()
    side = Lease.objects.get(user=crowdworker).a_on_left
    answer_a = Item.objects.get(pk=item["id"]).item_responses.get(position=1).response.text
    sent = api.post(
        "/api/judgements/",
        {"item": item["id"], "choice": "right", "strength": "slightly", "a_on_left": not side},
    )

    assert [s["side"] for s in item["sides"]] == ["left", "right"]
    assert item["sides"][0 if side else 1]["text"] == answer_a
    assert item["model"] is None
    assert sent.status_code == 201, sent.json()
    assert sent.json()["preferred"] == _expected(a_on_left=side, choice="right")
    assert sent.json()["a_on_left"] is side


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"choice": "left"}, "strength"),
        ({"choice": "right", "strength": "hugely"}, "strength"),
        ({"choice": "tie", "strength": "slightly"}, "strength"),
        ({"choice": "both_bad", "strength": "clearly"}, "strength"),
        ({"choice": "a", "strength": "clearly"}, "preferred"),
        ({}, "preferred"),
    ],
)
def test_a_choice_is_checked_strength_for_a_side_and_none_for_a_tie(
    make_pair_campaign, crowdworker, data, field
):
    campaign = make_pair_campaign()
    item = assignment_next_for(user=crowdworker, campaign=campaign)

    with pytest.raises(JudgementRejected) as refused:
        judgement_submit(user=crowdworker, item=item, data=data)

    assert refused.value.field == field
    assert not Judgement.objects.exists()


@pytest.mark.parametrize("choice", ["tie", "both_bad"])
def test_a_tie_or_both_bad_is_stored_without_strength(make_pair_campaign, crowdworker, choice):
    campaign = make_pair_campaign()
    item = assignment_next_for(user=crowdworker, campaign=campaign)

    judgement, _created = judgement_submit(user=crowdworker, item=item, data={"choice": choice})

    assert (judgement.preferred, judgement.strength) == (choice, None)


def test_each_answers_safety_is_required_when_asked_and_stored_as_a_and_b(make_pair_campaign, crowdworker):
    campaign = make_pair_campaign(pair_side_safety=True)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    side = Lease.objects.get(user=crowdworker).a_on_left

    with pytest.raises(JudgementRejected) as refused:
        judgement_submit(user=crowdworker, item=item, data={"choice": "tie"})
    judgement, _created = judgement_submit(
        user=crowdworker, item=item, data={"choice": "tie", "safe_left": True, "safe_right": False}
    )

    assert refused.value.field == "side_safety"
    assert (judgement.safe_a, judgement.safe_b) == ((True, False) if side else (False, True))


def test_an_edit_keeps_the_stored_side(make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement, _created = judgement_submit(user=crowdworker, item=item, data={"choice": "tie"})

    edited = judgement_edit(
        user=crowdworker, judgement=judgement, data={"choice": "left", "strength": "slightly"}
    )

    assert edited.preferred == _expected(a_on_left=judgement.a_on_left, choice="left")
    assert edited.previous_values[0]["preferred"] == Preference.TIE


def test_a_pair_item_gets_n_judges_and_no_more(make_pair_campaign, pair_setup, make_user):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=1), n=2)
    judges = [make_user(Role.CROWDWORKER, username=f"j{k}") for k in range(3)]
    for judge in judges[:2]:
        item = assignment_next_for(user=judge, campaign=campaign)
        judgement_submit(user=judge, item=item, data={"choice": "both_bad"})

    assert assignment_next_for(user=judges[2], campaign=campaign) is None
    assert Item.objects.complete(campaign=campaign).count() == 1


def test_a_pair_without_a_lease_is_refused(make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    item = campaign.items.first()

    with pytest.raises(JudgementRejected) as refused:
        judgement_submit(user=crowdworker, item=item, data={"choice": "tie"})

    assert refused.value.field == "lease"


def test_an_expert_cannot_judge_a_safety_pair_campaign(make_pair_campaign, expert):
    campaign = make_pair_campaign()
    with pytest.raises(AssignmentRefused):
        assignment_next_for(user=expert, campaign=campaign)
