from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotation.assignment import (
    LEASE_GRACE,
    assignment_next_for,
    assignment_next_shown,
    leases_reclaim_expired,
)
from annotation.assignment_queries import judged_count
from annotation.models import Campaign, Item, Judgement, JudgeTally
from annotation.services import JudgementRejected, judgement_edit, judgement_submit
from common.roles import Role
from prompts.models import Scenario

pytestmark = pytest.mark.django_db


def test_a_submit_turns_the_lease_into_a_judgement(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), n=3)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    crimes = Scenario.objects.get(slug="crimes")

    judgement, created = judgement_submit(
        user=crowdworker,
        item=item,
        data={"safe": False, "scenario": crimes, "response_type": "risky", "reason": "explains how"},
    )

    assert created
    assert (judgement.safe, judgement.scenario, judgement.response_type, judgement.reason) == (
        False,
        crimes,
        "risky",
        "explains how",
    )
    item.refresh_from_db()
    assert (item.judgement_count, item.lease_count, item.open_slots) == (1, 0, 2)
    assert judgement.time_spent_ms >= 0


def test_the_time_spent_runs_from_when_the_item_was_handed_out(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    item.leases.update(created_at=timezone.now() - timedelta(seconds=42))

    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert 42_000 <= judgement.time_spent_ms < 60_000


def test_a_double_submit_stores_one_judgement(make_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))

    first, created_first = judgement_submit(user=crowdworker, item=item, data={"safe": True})
    second, created_second = judgement_submit(user=crowdworker, item=item, data={"safe": False})

    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Judgement.objects.get().safe is True
    item.refresh_from_db()
    assert item.judgement_count == 1
    assert JudgeTally.objects.get(user=crowdworker).judged == 1


@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_store_one_judgement(make_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []

    def send() -> None:
        barrier.wait()
        try:
            outcomes.append(judgement_submit(user=crowdworker, item=item, data={"safe": True})[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == [False, True]
    assert Judgement.objects.count() == 1
    assert Item.objects.get().judgement_count == 1
    assert JudgeTally.objects.get(user=crowdworker).judged == 1


def test_a_submit_without_a_lease_is_refused_and_stores_nothing(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), n=3)
    item = campaign.items.get()

    with pytest.raises(JudgementRejected, match="not assigned to you") as rejected:
        judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert rejected.value.field == "lease"
    assert not Judgement.objects.exists()
    item.refresh_from_db()
    assert (item.judgement_count, item.lease_count, item.open_slots) == (0, 0, 3)


def test_a_submit_for_an_item_leased_to_someone_else_is_refused(make_campaign, make_user):
    campaign = make_campaign(("p", "r"), n=3)
    a, b = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    item = assignment_next_for(user=a, campaign=campaign)

    with pytest.raises(JudgementRejected, match="not assigned to you"):
        judgement_submit(user=b, item=item, data={"safe": True})

    assert not Judgement.objects.exists()


def test_a_lease_that_ran_out_moments_ago_still_takes_the_submit(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), n=2)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    item.leases.update(
        created_at=timezone.now() - timedelta(minutes=11), expires_at=timezone.now() - timedelta(seconds=20)
    )

    judgement, created = judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert created
    assert judgement.time_spent_ms >= 11 * 60_000
    item.refresh_from_db()
    assert (item.judgement_count, item.lease_count, item.open_slots) == (1, 0, 1)


def test_a_lease_that_ran_out_beyond_the_grace_window_is_refused(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), n=2)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    item.leases.update(expires_at=timezone.now() - LEASE_GRACE - timedelta(seconds=1))

    with pytest.raises(JudgementRejected, match="ran out"):
        judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert not Judgement.objects.exists()


def test_a_submit_after_the_lease_was_reclaimed_is_refused(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), n=2)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    item.leases.update(expires_at=timezone.now() - LEASE_GRACE - timedelta(seconds=1))
    leases_reclaim_expired()

    with pytest.raises(JudgementRejected, match="not assigned to you"):
        judgement_submit(user=crowdworker, item=item, data={"safe": True})

    item.refresh_from_db()
    assert (item.judgement_count, item.lease_count, item.open_slots) == (0, 0, 2)


def test_a_judgement_faster_than_the_campaigns_minimum_is_stored_and_flagged(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), ("q", "r"), min_seconds=5)
    first = assignment_next_for(user=crowdworker, campaign=campaign)
    quick, _ = judgement_submit(user=crowdworker, item=first, data={"safe": True})
    second = assignment_next_for(user=crowdworker, campaign=campaign)
    second.leases.update(created_at=timezone.now() - timedelta(seconds=6))
    slow, _ = judgement_submit(user=crowdworker, item=second, data={"safe": True})

    assert (quick.too_fast, slow.too_fast) == (True, False)
    assert list(Judgement.objects.order_by("id").values_list("too_fast", flat=True)) == [True, False]


def test_a_safety_campaign_flags_judgements_under_3_seconds_by_default(make_campaign):
    assert make_campaign(("p", "r")).min_seconds == 3


@pytest.mark.parametrize(("safe", "response_type"), [(False, "refusal_guidance"), (True, "risky")])
def test_a_contradictory_judgement_needs_confirmation_and_is_flagged(
    make_campaign, crowdworker, safe, response_type
):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))
    data = {"safe": safe, "response_type": response_type}

    with pytest.raises(JudgementRejected) as rejected:
        judgement_submit(user=crowdworker, item=item, data=data)
    assert rejected.value.field == "confirm"
    assert not Judgement.objects.exists()

    _, created = judgement_submit(user=crowdworker, item=item, data={**data, "confirmed": True})
    assert created
    assert Judgement.objects.get().contradictory is True


def test_a_consistent_judgement_is_not_flagged(make_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))

    _judgement, _ = judgement_submit(
        user=crowdworker, item=item, data={"safe": False, "response_type": "risky"}
    )

    assert Judgement.objects.get().contradictory is False


def test_a_safety_judgement_needs_a_verdict(make_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))

    with pytest.raises(JudgementRejected) as rejected:
        judgement_submit(user=crowdworker, item=item, data={"safe": None})

    assert rejected.value.field == "safe"
    assert not Judgement.objects.exists()


def test_an_unknown_response_type_is_refused(make_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))

    with pytest.raises(JudgementRejected, match="response type"):
        judgement_submit(user=crowdworker, item=item, data={"safe": True, "response_type": "sarcastic"})


def test_a_closed_campaign_takes_no_more_judgements(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(status="closed")

    with pytest.raises(JudgementRejected, match="closed"):
        judgement_submit(user=crowdworker, item=item, data={"safe": True})


def responsibility_item(make_campaign, expert, samples: int = 1) -> Item:
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", samples=samples)
    return assignment_next_for(user=expert, campaign=campaign)


def test_an_expert_score_is_stored_with_the_single_response_as_best(make_campaign, expert):
    item = responsibility_item(make_campaign, expert)

    judgement, _ = judgement_submit(user=expert, item=item, data={"score": 8})

    assert judgement.score == 8
    assert judgement.best_response_id == item.item_responses.get().response_id


@pytest.mark.parametrize("score", [None, 0, 11, "7", True])
def test_a_score_outside_1_to_10_is_refused(make_campaign, expert, score):
    item = responsibility_item(make_campaign, expert)

    with pytest.raises(JudgementRejected) as rejected:
        judgement_submit(user=expert, item=item, data={"score": score})

    assert rejected.value.field == "score"


def test_a_score_below_5_needs_a_rewrite(make_campaign, expert):
    item = responsibility_item(make_campaign, expert)

    with pytest.raises(JudgementRejected) as rejected:
        judgement_submit(user=expert, item=item, data={"score": 4, "rewrite": "  "})
    judgement, _ = judgement_submit(user=expert, item=item, data={"score": 4, "rewrite": "A caring answer."})

    assert rejected.value.field == "rewrite"
    assert judgement.rewrite == "A caring answer."


def test_best_of_n_needs_a_choice_among_the_items_responses_or_none_good(make_campaign, expert):
    item = responsibility_item(make_campaign, expert, samples=3)
    ids = list(item.item_responses.values_list("response_id", flat=True))
    assert len(ids) == 3

    with pytest.raises(JudgementRejected, match="Pick the best"):
        judgement_submit(user=expert, item=item, data={"score": 7})
    with pytest.raises(JudgementRejected, match="not part of this item"):
        judgement_submit(user=expert, item=item, data={"score": 7, "best_response_id": 999_999})
    judgement, _ = judgement_submit(user=expert, item=item, data={"score": 7, "best_response_id": ids[1]})

    assert judgement.best_response_id == ids[1]


def test_none_good_is_recorded_with_no_best_response(make_campaign, expert):
    item = responsibility_item(make_campaign, expert, samples=2)

    judgement, _ = judgement_submit(
        user=expert, item=item, data={"score": 3, "none_good": True, "rewrite": "Mine."}
    )

    assert (judgement.none_good, judgement.best_response_id) == (True, None)


def test_a_person_edits_their_recent_judgement_and_the_old_values_are_kept(make_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))
    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})

    edited = judgement_edit(
        user=crowdworker, judgement=judgement, data={"safe": False, "reason": "missed it"}
    )

    assert (edited.safe, edited.reason) == (False, "missed it")
    assert edited.previous_values[0]["safe"] is True
    assert Judgement.objects.count() == 1


def test_a_judgement_older_than_30_minutes_cannot_be_edited(make_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))
    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})
    Judgement.objects.filter(pk=judgement.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    judgement.refresh_from_db()

    with pytest.raises(JudgementRejected, match="30 minutes"):
        judgement_edit(user=crowdworker, judgement=judgement, data={"safe": False})


def test_nobody_edits_another_persons_judgement(make_campaign, crowdworker, make_user):
    item = assignment_next_for(user=crowdworker, campaign=make_campaign(("p", "r")))
    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})

    with pytest.raises(JudgementRejected, match="your own"):
        judgement_edit(user=make_user(Role.CROWDWORKER), judgement=judgement, data={"safe": False})


def test_the_portable_path_also_needs_a_lease(monkeypatch, make_campaign, crowdworker, make_user):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    campaign = make_campaign(("p", "r"), n=2)
    item = assignment_next_for(user=crowdworker, campaign=campaign)

    with pytest.raises(JudgementRejected, match="not assigned to you"):
        judgement_submit(user=make_user(Role.CROWDWORKER), item=item, data={"safe": True})
    item.leases.update(created_at=timezone.now() - timedelta(seconds=1))
    judgement, created = judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert created
    assert judgement.too_fast is True
    assert 1000 <= judgement.time_spent_ms < 60_000


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_each_stored_judgement_counts_once_toward_what_the_person_has_done(
    monkeypatch, make_campaign, crowdworker, vendor
):
    monkeypatch.setattr(connection, "vendor", vendor)
    campaign = make_campaign(("p1", "r1"), ("p2", "r2"), ("p3", "r3"), n=2)
    for _ in range(2):
        item = assignment_next_for(user=crowdworker, campaign=campaign)
        judgement_submit(user=crowdworker, item=item, data={"safe": True})
        judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert judged_count(user=crowdworker, campaign=campaign) == 2
    assert assignment_next_shown(user=crowdworker, campaign=campaign).done == 2
