"""The order in which items are served: random per campaign (seeded, the seed recorded), started
items first, and in a blind campaign never two answers to one prompt in a row."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from annotation.assignment import assignment_next_for, item_skip
from annotation.models import Campaign, Item
from annotation.services import campaign_create, judgement_submit
from common.roles import Role
from models_registry.models import Response
from models_registry.services import model_register
from prompts.models import Level, Prompt, PromptSet

pytestmark = pytest.mark.django_db


def _responses(models: int, prompts: int) -> list[int]:
    """Responses of `models` models to `prompts` prompts, created prompt by prompt, model by model
    (the order an item table would have if nothing shuffled it); returns the model ids in order."""
    prompt_set = PromptSet.objects.create(name="order")
    made = [
        model_register(name=f"order-{m}", base_url="http://127.0.0.1:9/v1", model_id="m")
        for m in range(models)
    ]
    rows = Prompt.objects.bulk_create(
        Prompt(prompt_set=prompt_set, external_id=str(p), level=Level.SAFETY, source="t", text=f"prompt {p}")
        for p in range(prompts)
    )
    Response.objects.bulk_create(
        Response(
            prompt=prompt,
            model=model,
            params_hash="h",
            request_hash="r",
            status=Response.Status.SUCCEEDED,
            text="answer",
        )
        for prompt in rows
        for model in made
    )
    return [m.pk for m in made]


def _campaign(*, blind: bool = True, seed: int | None = 20261129) -> Campaign:
    campaign = campaign_create(
        name="order", kind=Campaign.Kind.SAFETY, responses=Response.objects.all(), blind=blind, seed=seed
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    campaign.refresh_from_db()
    return campaign


def _judge(user, campaign: Campaign, count: int) -> list[Item]:
    seen = []
    for _ in range(count):
        item = assignment_next_for(user=user, campaign=campaign)
        if item is None:
            break
        judgement_submit(user=user, item=item, data={"safe": True})
        seen.append(item)
    return seen


def test_a_judges_first_50_items_of_5_models_by_200_prompts_are_not_ordered_by_model(make_user):
    model_ids = _responses(models=5, prompts=200)
    campaign = _campaign()

    seen = _judge(make_user(Role.CROWDWORKER), campaign, 50)
    models = [model_ids.index(item.model_id) for item in seen]

    assert len(models) == 50
    # Created prompt by prompt, model by model, and served in that order, the models would come
    # round in turn (0, 1, 2, 3, 4, 0, …): the position would name the model.
    in_turn = sum((b - a) % 5 == 1 for a, b in itertools.pairwise(models))
    assert in_turn < 25, models
    # Nor in runs of one model (served model by model).
    same = sum(a == b for a, b in itertools.pairwise(models))
    assert same < 25, models
    assert len(set(models)) == 5
    # And the prompts are not taken in the order they were made.
    prompt_ids = [item.prompt_id for item in seen]
    assert prompt_ids != sorted(prompt_ids)


def test_the_seed_is_recorded_and_replays_the_same_order(make_user):
    _responses(models=2, prompts=30)

    first = _campaign(seed=7)
    second = _campaign(seed=7)
    other = _campaign(seed=8)

    def order(campaign: Campaign) -> list[tuple[int, int]]:
        return list(campaign.items.order_by("position").values_list("prompt_id", "model_id"))

    assert (first.seed, other.seed) == (7, 8)
    assert order(first) == order(second)
    assert order(first) != order(other)


def test_a_campaign_without_a_given_seed_draws_and_records_one():
    _responses(models=1, prompts=3)

    assert _campaign(seed=None).seed != _campaign(seed=None).seed


def test_a_blind_campaign_never_serves_two_answers_to_one_prompt_in_a_row(make_user):
    _responses(models=5, prompts=4)
    campaign = _campaign()

    seen = _judge(make_user(Role.CROWDWORKER), campaign, 20)
    prompts = [item.prompt_id for item in seen]

    repeats = [i for i in range(1, len(prompts)) if prompts[i] == prompts[i - 1]]
    # Once only one prompt has items left, its answers come one after another (nothing else is
    # available); never before.
    for i in repeats:
        assert set(prompts[i:]) == {prompts[i]}, prompts
    assert len(prompts) == 20


def test_a_skipped_item_counts_as_seen_for_the_next_prompt(make_user):
    _responses(models=2, prompts=2)
    campaign = _campaign()
    user = make_user(Role.CROWDWORKER)

    first = assignment_next_for(user=user, campaign=campaign)
    item_skip(user=user, item=first)
    second = assignment_next_for(user=user, campaign=campaign)

    assert second.prompt_id != first.prompt_id


def test_without_blinding_the_campaigns_random_order_alone_decides(make_user):
    _responses(models=5, prompts=4)
    campaign = _campaign(blind=False)

    seen = _judge(make_user(Role.CROWDWORKER), campaign, 20)

    assert [item.pk for item in seen] == list(
        campaign.items.order_by("position").values_list("pk", flat=True)
    )


def test_items_with_more_judgements_still_come_first(make_user):
    _responses(models=1, prompts=10)
    campaign = _campaign(blind=False)
    a, b = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)

    started = _judge(a, campaign, 3)

    assert [item.pk for item in _judge(b, campaign, 3)] == [item.pk for item in started]


def test_the_pick_uses_the_next_item_index():
    _responses(models=2, prompts=50)
    campaign = _campaign()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM annotation_item WHERE campaign_id = %s AND purpose = 'regular'"
            " AND has_free_slot AND sampled"
            " ORDER BY judgement_count DESC, position LIMIT 1",
            [campaign.pk],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "item_next_free" in plan
    assert "Sort" not in plan


@pytest.fixture
def orm_path(monkeypatch):
    """The portable path that SQLite takes (the quickstart), run here on PostgreSQL."""
    monkeypatch.setattr(connection, "vendor", "sqlite")


def test_the_portable_path_serves_the_same_order_and_spreads_prompts(orm_path, make_user):
    _responses(models=5, prompts=4)
    campaign = _campaign()

    seen = _judge(make_user(Role.CROWDWORKER), campaign, 20)
    prompts = [item.prompt_id for item in seen]

    assert len(seen) == 20
    for i in range(1, len(prompts)):
        if prompts[i] == prompts[i - 1]:
            assert set(prompts[i:]) == {prompts[i]}, prompts


def test_the_portable_path_serves_in_position_order_without_blinding(orm_path, make_user):
    _responses(models=2, prompts=5)
    campaign = _campaign(blind=False)

    seen = _judge(make_user(Role.CROWDWORKER), campaign, 10)

    assert [item.pk for item in seen] == list(
        campaign.items.order_by("position").values_list("pk", flat=True)
    )


def test_positions_are_the_same_keyed_hash_in_sql_and_in_python():
    from annotation.services import item_position

    _responses(models=2, prompts=20)
    campaign = _campaign(seed=123)

    rows = campaign.items.values_list("position", "item_responses__response_id")

    assert len(rows) == 40
    assert all(position == item_position(seed=123, response_id=rid) for position, rid in rows)
    assert len({position for position, _ in rows}) == 40
