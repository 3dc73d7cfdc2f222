from __future__ import annotations

import pytest
from django.db import connection, transaction

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.prepared import PreparedStatement
from annotation.services import judgement_submit
from common.roles import Role


def _prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_assignment_and_submit_are_prepared_on_the_connection(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"))

    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert {"valuelens_lease_next", "valuelens_item_lock", "valuelens_judgement_submit"} <= _prepared_names()


@pytest.mark.django_db(transaction=True)
def test_without_prepared_statements_the_same_rules_hold(make_campaign, crowdworker, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    connection.close()  # a fresh connection, with nothing prepared by earlier tests
    campaign = make_campaign(("p1", "r1"), n=1)

    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement, created = judgement_submit(user=crowdworker, item=item, data={"safe": False})

    assert created
    assert judgement.time_spent_ms >= 0
    assert Item.objects.values_list("judgement_count", "lease_count", "open_slots").get(pk=item.pk) == (
        1,
        0,
        0,
    )
    assert not {name for name in _prepared_names() if name.startswith("valuelens_")}


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_the_statements_again(make_campaign, make_user):
    from common.roles import Role

    campaign = make_campaign(("p1", "r1"), ("p2", "r2"), n=1)
    first, second = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    assignment_next_for(user=first, campaign=campaign)

    connection.close()
    item = assignment_next_for(user=second, campaign=campaign)
    judgement_submit(user=second, item=item, data={"safe": True})

    assert Judgement.objects.filter(user=second).count() == 1


@pytest.mark.django_db(transaction=True)
def test_statements_prepared_in_a_rolled_back_transaction_stay_usable(make_campaign, make_user):
    from common.roles import Role

    campaign = make_campaign(("p1", "r1"), n=1)
    first, second = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)

    def lease_then_fail() -> None:
        with transaction.atomic():
            assignment_next_for(user=first, campaign=campaign)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        lease_then_fail()

    item = assignment_next_for(user=second, campaign=campaign)

    assert item is not None
    assert Campaign.objects.get(pk=campaign.pk).items.get().lease_count == 1


def test_a_statement_must_type_exactly_its_placeholders():
    with pytest.raises(ValueError, match="placeholders"):
        PreparedStatement(name="x", sql="SELECT %(a)s, %(b)s", types={"a": "integer"})


def test_placeholders_become_positional_in_order_of_first_use():
    statement = PreparedStatement(
        name="x", sql="SELECT %(b)s, %(a)s, %(b)s", types={"a": "integer", "b": "text"}
    )

    assert statement.positional_sql == "SELECT $1, $2, $1"
    assert statement.order == ("b", "a")


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_lease_does_not_wait_for_the_disk_to_commit(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"))

    assignment_next_for(user=crowdworker, campaign=campaign)

    # The test runs in one transaction: the lease's transaction-local setting is still visible.
    assert _synchronous_commit() == "off"


@pytest.mark.django_db
def test_a_judgement_waits_for_the_disk_to_commit(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    with connection.cursor() as cursor:  # the lease's own transaction would be over in production
        cursor.execute("SELECT set_config('synchronous_commit', 'on', true)")

    judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_the_assignment_statement_is_planned_once_not_on_every_run(make_campaign, make_user):
    connection.close()  # a fresh connection, with nothing prepared by earlier tests
    campaign = make_campaign(*[(f"p{i}", "r") for i in range(8)], n=1)

    for _ in range(8):
        assignment_next_for(user=make_user(Role.CROWDWORKER), campaign=campaign)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'valuelens_lease_next'"
        )
        generic, custom = cursor.fetchone()
    assert (generic, custom) == (8, 0)


def _item_updates() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated('annotation_item'::regclass),"
            " pg_stat_get_xact_tuples_hot_updated('annotation_item'::regclass)"
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_a_lease_updates_the_item_in_place_without_adding_index_entries(make_campaign, crowdworker):
    campaign = make_campaign(("p1", "r1"), n=3)
    updated, in_place = _item_updates()

    assignment_next_for(user=crowdworker, campaign=campaign)

    # One update of the item's counters, and it is a HOT update: no index of the item table has
    # open_slots or lease_count in it.
    assert _item_updates() == (updated + 1, in_place + 1)
