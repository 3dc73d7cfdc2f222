"""Active sampling in pairwise campaigns: the pairs whose votes would narrow the ranking most are
served first, within leases and overlap."""

from __future__ import annotations

import pytest

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item
from annotation.pair_sampling import campaigns_pair_priorities_refresh, pair_priorities_refresh
from annotation.pairs import pair_position
from annotation.services import judgement_submit
from common.roles import Role
from tests.annotation.fixtures import lease_give

pytestmark = pytest.mark.django_db


def involves(item: Item, model) -> bool:
    return model.pk in (item.model_id, item.model_b_id)


@pytest.fixture
def voted(pair_setup, make_pair_campaign, make_user):
    """Three models on 16 prompts (48 pairs, N = 1); 12 of the 16 pairs of m0 and m1 judged, no
    other pair: a vote on (m0, m1) would teach least, and 4 of them are still waiting."""
    setup = pair_setup(models=3, prompts=16)
    campaign = make_pair_campaign(setup, n=1)
    m2 = setup.models[2]
    Campaign.objects.filter(pk=campaign.pk).update(active_sampling=True)
    campaign.refresh_from_db()
    judge = make_user(Role.CROWDWORKER, username="voter")
    well_known = Item.objects.filter(campaign=campaign).exclude(model_id=m2.pk).exclude(model_b_id=m2.pk)
    # The last 12 in the serving order (the fixture serves items in the order written).
    for item in well_known.order_by("-id")[:12]:
        lease_give(user=judge, item=item)
        judgement_submit(user=judge, item=item, data={"choice": "left", "strength": "clearly"})
    return campaign, setup.models


def served_first(campaign: Campaign, judge, count: int) -> list[Item]:
    served = []
    for _ in range(count):
        item = assignment_next_for(user=judge, campaign=campaign)
        served.append(item)
        judgement_submit(user=judge, item=item, data={"choice": "tie"})
    return served


def test_pairs_nobody_has_voted_on_are_served_first(voted, make_user):
    campaign, (_m0, _m1, m2) = voted

    pair_priorities_refresh(campaign=campaign, window=12)
    served = served_first(campaign, make_user(Role.CROWDWORKER, username="newcomer"), 12)

    assert all(involves(item, m2) for item in served)


def test_the_random_order_alone_serves_the_well_known_pair_too(voted, make_user):
    # What the test above could tell apart: without the refresh, a (m0, m1) pair comes up early.
    campaign, (_m0, _m1, m2) = voted

    served = served_first(campaign, make_user(Role.CROWDWORKER, username="newcomer"), 12)

    assert not all(involves(item, m2) for item in served)


def test_without_active_sampling_the_random_order_stays(voted):
    campaign, _models = voted
    Campaign.objects.filter(pk=campaign.pk).update(active_sampling=False)
    before = dict(Item.objects.filter(campaign=campaign).values_list("pk", "position"))

    moved = campaigns_pair_priorities_refresh()

    assert moved == 0
    assert dict(Item.objects.filter(campaign=campaign).values_list("pk", "position")) == before


def test_a_started_item_is_still_finished_first(pair_setup, make_pair_campaign, make_user):
    campaign = make_pair_campaign(pair_setup(models=3, prompts=6), n=2, active_sampling=True)
    # The item that comes last in the random order, started by one judge of its two.
    last = Item.objects.filter(campaign=campaign).order_by("-position").first()
    first_judge = make_user(Role.CROWDWORKER, username="half-way")
    lease_give(user=first_judge, item=last)
    judgement_submit(user=first_judge, item=last, data={"choice": "tie"})

    pair_priorities_refresh(campaign=campaign, window=10)
    served = assignment_next_for(user=make_user(Role.CROWDWORKER, username="second"), campaign=campaign)

    assert served.pk == last.pk
    assert Item.objects.filter(campaign=campaign, position__lt=0).count() == 10


def test_a_second_refresh_without_new_votes_moves_nothing(voted):
    campaign, _models = voted
    pair_priorities_refresh(campaign=campaign, window=10)

    assert pair_priorities_refresh(campaign=campaign, window=10) == 0


def test_an_item_that_leaves_the_front_returns_to_its_own_random_position(voted):
    campaign, _models = voted
    pair_priorities_refresh(campaign=campaign, window=10)
    front = list(Item.objects.filter(campaign=campaign, position__lt=0))

    pair_priorities_refresh(campaign=campaign, window=3)

    assert len(front) == 10
    assert Item.objects.filter(campaign=campaign, position__lt=0).count() == 3
    for item in Item.objects.filter(pk__in=[i.pk for i in front], position__gte=0):
        a, b = item.item_responses.order_by("position").values_list("response_id", flat=True)
        assert item.position == pair_position(seed=campaign.seed, a_response_id=a, b_response_id=b)


@pytest.mark.sqlite
def test_active_sampling_reorders_on_sqlite_too(voted):
    campaign, (_m0, _m1, m2) = voted

    pair_priorities_refresh(campaign=campaign, window=4)

    front = list(Item.objects.filter(campaign=campaign, position__lt=0))
    assert len(front) == 4
    assert all(involves(item, m2) for item in front)
