"""Check items (attention, gold) are placed at random per person: were they at the same places for
everyone, a judge who clicks one answer throughout would pass the checks whose answer it happens
to be, every time. Both assignment paths (one prepared statement on PostgreSQL, the ORM on SQLite)
place them alike."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import connection

from annotation.assignment_queries import (
    CHECK_MIX_MOD,
    attention_due,
    check_keys,
    check_mix,
    check_mix_sql,
    gold_due,
)
from annotation.models import Campaign
from common.roles import Role
from tests.annotation.quality_support import judge_next, mark, settings_set

pytestmark = pytest.mark.django_db

PAIRS = tuple((f"prompt {i}", f"response {i}") for i in range(24))


@pytest.fixture(params=["postgresql", "sqlite"])
def assignment_path(request, monkeypatch) -> str:
    """Both assignment paths on the suite's PostgreSQL: the prepared statement, and the ORM path
    that SQLite takes."""
    monkeypatch.setattr(connection, "vendor", request.param)
    return request.param


def _campaign(make_campaign, admin_user, *, attention: int = 3, gold: int = 0, **rules) -> Campaign:
    campaign = make_campaign(*PAIRS, min_seconds=0)
    items = list(campaign.items.order_by("-pk"))
    for item in items[:attention]:
        mark(item, "attention", admin_user, safe=False)
    for item in items[attention : attention + gold]:
        mark(item, "gold", admin_user, safe=True)
    return settings_set(campaign, **rules)


def _served(user, campaign: Campaign, count: int) -> list:
    return [judge_next(user, campaign, safe=False).item for _ in range(count)]


def _keys(user_id: int, campaign_id: int = 7, seed: int = 20261206):
    return check_keys(user_id=user_id, campaign=SimpleNamespace(pk=campaign_id, seed=seed))


def test_two_judges_meet_the_attention_items_at_different_positions(
    assignment_path, make_campaign, make_user, admin_user
):
    campaign = _campaign(make_campaign, admin_user, attention=4, attention_every=4)
    judges = [make_user(Role.CROWDWORKER) for _ in range(6)]

    places = {
        judge.pk: tuple(
            i for i, item in enumerate(_served(judge, campaign, 8)) if item.purpose == "attention"
        )
        for judge in judges
    }

    # One attention item in each run of four, wherever the person's draw put it; the same places
    # for all six would happen by chance once in 16**5.
    assert all(len(p) == 2 and p[0] < 4 <= p[1] for p in places.values()), places
    assert len(set(places.values())) > 1, places


def test_each_judge_meets_the_check_items_in_an_order_of_their_own(
    assignment_path, make_campaign, make_user, admin_user
):
    campaign = _campaign(make_campaign, admin_user, attention=3, attention_every=1)
    judges = [make_user(Role.CROWDWORKER) for _ in range(8)]

    orders = {tuple(item.pk for item in _served(judge, campaign, 3)) for judge in judges}

    # Six orders of three items; one order for all eight judges would happen by chance once in 6**7.
    assert len(orders) > 1, orders


def test_both_paths_serve_checks_exactly_where_the_persons_draw_puts_them(
    assignment_path, make_campaign, make_user, admin_user
):
    campaign = _campaign(make_campaign, admin_user, attention=4, gold=6, attention_every=5, gold_rate=0.3)
    judge = make_user(Role.CROWDWORKER)
    keys = check_keys(user_id=judge.pk, campaign=campaign)
    expected = [
        "attention"
        if attention_due(keys=keys, every=5, done=done)
        else "gold"
        if gold_due(keys=keys, rate=0.3, done=done)
        else "regular"
        for done in range(10)
    ]

    assert [item.purpose for item in _served(judge, campaign, 10)] == expected


def test_the_sql_hash_is_the_python_hash(db):
    values = [
        0,
        1,
        2,
        12345,
        CHECK_MIX_MOD - 1,
        CHECK_MIX_MOD,
        2**31 - 1,
        *range(1000, 200_000_000, 1_999_999),
    ]

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {check_mix_sql('v')} FROM unnest(%s::bigint[]) AS v", [values])  # noqa: S608
        in_sql = [row[0] for row in cursor.fetchall()]

    assert in_sql == [check_mix(v) for v in values]


def test_over_many_judges_the_attention_item_falls_at_every_place_of_the_run_about_equally():
    every, judges = 5, 2000

    first_places = Counter(
        next(done for done in range(every) if attention_due(keys=_keys(user), every=every, done=done))
        for user in range(1, judges + 1)
    )

    # 400 expected at each place; the standard deviation is about 18.
    assert sorted(first_places) == list(range(every))
    assert all(300 < n < 500 for n in first_places.values()), first_places


def test_over_many_judges_a_gold_item_is_as_likely_at_every_place_and_comes_at_the_rate():
    rate, judges, places = 0.1, 2000, 20

    gold_at = Counter(
        done
        for user in range(1, judges + 1)
        for done in range(places)
        if gold_due(keys=_keys(user), rate=rate, done=done)
    )

    # 200 expected at each place (standard deviation about 13), 4000 in all.
    assert all(140 < gold_at[done] < 260 for done in range(places)), gold_at
    assert 3700 < sum(gold_at.values()) < 4300


def test_one_judges_places_differ_between_campaigns_and_seeds():
    same_judge = {
        tuple(attention_due(keys=_keys(42, campaign_id=c, seed=s), every=4, done=d) for d in range(40))
        for c in (1, 2, 3)
        for s in (1, 2, 3)
    }

    assert len(same_judge) > 1
