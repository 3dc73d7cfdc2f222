from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotation.assignment import (
    LEASE_GRACE,
    AssignmentRefused,
    assignment_next_for,
    item_skip,
    leases_reclaim_expired,
)
from annotation.models import Campaign, Item, Lease
from annotation.services import judgement_submit
from common.roles import Role
from tests.annotation.fixtures import lease_give

pytestmark = pytest.mark.django_db

SAFE = {"safe": True}


def test_the_next_item_is_leased_and_its_free_slots_shrink(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"), n=3)

    item = assignment_next_for(user=crowdworker, campaign=campaign)

    assert (item.lease_count, item.open_slots, item.judgement_count) == (1, 2, 0)
    assert Lease.objects.get().user == crowdworker


def test_a_reload_gives_back_the_same_leased_item(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"), ("p2", "r2"))

    first = assignment_next_for(user=crowdworker, campaign=campaign)
    again = assignment_next_for(user=crowdworker, campaign=campaign)

    assert first.pk == again.pk
    assert Lease.objects.count() == 1


def test_a_person_never_gets_an_item_they_judged(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"), n=3)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement_submit(user=crowdworker, item=item, data=SAFE)

    assert assignment_next_for(user=crowdworker, campaign=campaign) is None


def test_items_that_already_have_judgements_are_finished_first(make_campaign, make_user):
    campaign = make_campaign(("p1", "r1"), ("p2", "r2"), ("p3", "r3"), n=3)
    a, b = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    last = Item.objects.filter(campaign=campaign).order_by("position").last()
    lease_give(user=a, item=last)
    judgement_submit(user=a, item=last, data=SAFE)

    assert assignment_next_for(user=b, campaign=campaign).pk == last.pk


def test_an_item_is_never_leased_beyond_its_n_slots(make_campaign, make_user):
    campaign = make_campaign(("only", "r"), n=2)
    people = [make_user(Role.CROWDWORKER) for _ in range(3)]

    got = [assignment_next_for(user=p, campaign=campaign) for p in people]

    assert [g is not None for g in got] == [True, True, False]
    assert Item.objects.get().open_slots == 0


def test_a_slot_held_by_an_expired_lease_comes_back_after_reclaim(make_campaign, make_user):
    campaign = make_campaign(("only", "r"), n=1)
    a, b = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    assignment_next_for(user=a, campaign=campaign)
    assert assignment_next_for(user=b, campaign=campaign) is None
    Lease.objects.update(expires_at=timezone.now() - LEASE_GRACE - timedelta(seconds=1))

    assert leases_reclaim_expired() == 1
    item = assignment_next_for(user=b, campaign=campaign)

    assert item is not None
    assert (item.lease_count, item.open_slots) == (1, 0)


def test_a_lease_that_ran_out_within_the_grace_window_keeps_its_slot(make_campaign, make_user):
    campaign = make_campaign(("only", "r"), n=1)
    a, b = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    assignment_next_for(user=a, campaign=campaign)
    Lease.objects.update(expires_at=timezone.now() - LEASE_GRACE + timedelta(seconds=30))

    assert leases_reclaim_expired() == 0
    assert assignment_next_for(user=b, campaign=campaign) is None


def test_a_skipped_item_is_not_offered_again_to_the_same_person(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"), ("p2", "r2"))
    first = assignment_next_for(user=crowdworker, campaign=campaign)

    item_skip(user=crowdworker, item=first)
    second = assignment_next_for(user=crowdworker, campaign=campaign)

    assert second.pk != first.pk
    first.refresh_from_db()
    assert (first.lease_count, first.open_slots) == (0, 3)


def test_an_expert_gets_only_items_of_their_domains(make_campaign, expert):
    law = make_campaign(("law q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    env = make_campaign(("env q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="environmental_science")

    assert assignment_next_for(user=expert, campaign=law) is not None
    assert assignment_next_for(user=expert, campaign=env) is None


def test_a_crowdworker_is_refused_a_responsibility_campaign(make_campaign, crowdworker):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")

    with pytest.raises(AssignmentRefused):
        assignment_next_for(user=crowdworker, campaign=campaign)


def test_an_expert_is_refused_a_safety_campaign(make_campaign, expert):
    with pytest.raises(AssignmentRefused):
        assignment_next_for(user=expert, campaign=make_campaign(("q", "a")))


def test_a_paused_campaign_hands_out_nothing(make_campaign, crowdworker):
    campaign = make_campaign(("q", "a"), status=Campaign.Status.PAUSED)

    with pytest.raises(AssignmentRefused, match="paused"):
        assignment_next_for(user=crowdworker, campaign=campaign)


@pytest.mark.django_db(transaction=True)
def test_concurrent_annotators_never_receive_the_same_slot(make_campaign, make_user):
    assert connection.vendor == "postgresql"
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(12)], n=1)
    people = [make_user(Role.CROWDWORKER) for _ in range(12)]
    barrier = threading.Barrier(len(people))
    got: dict[int, int | None] = {}

    def take(person) -> None:
        barrier.wait()
        try:
            item = assignment_next_for(user=person, campaign=campaign)
            got[person.pk] = item.pk if item else None
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    items = [i for i in got.values() if i is not None]
    assert len(got) == 12
    assert len(items) == len(set(items))
    assert len(items) == 12
    assert set(Item.objects.values_list("open_slots", flat=True)) == {0}
