"""Pairwise campaigns are made of pairs of models' answers to the same prompt, as the plan says."""

from __future__ import annotations

import pytest

from annotation.models import Item, ItemResponse, Judging, PairPlan
from annotation.services import CampaignRejected, campaign_create


def _pairs(campaign) -> set[tuple[int, frozenset[int]]]:
    return {(item.prompt_id, frozenset((item.model_id, item.model_b_id))) for item in campaign.items.all()}


def test_all_pairs_make_one_item_per_pair_of_models_on_each_prompt(pair_setup, make_pair_campaign):
    setup = pair_setup(models=3, prompts=2)
    campaign = make_pair_campaign(setup)
    m0, m1, m2 = (m.pk for m in setup.models)
    expected = {(p.pk, frozenset(pair)) for p in setup.prompts for pair in ((m0, m1), (m0, m2), (m1, m2))}
    assert _pairs(campaign) == expected
    assert campaign.judging_mode == Judging.PAIRWISE
    assert campaign.blind


def test_against_reference_pairs_each_model_with_the_reference_only(pair_setup, make_pair_campaign):
    setup = pair_setup(models=3, prompts=2)
    reference = setup.models[0]
    campaign = make_pair_campaign(
        setup, pair_plan=PairPlan.AGAINST_REFERENCE, pair_reference=reference, pair_models=setup.models[1:]
    )
    m0, m1, m2 = (m.pk for m in setup.models)
    assert _pairs(campaign) == {
        (p.pk, frozenset(pair)) for p in setup.prompts for pair in ((m0, m1), (m0, m2))
    }


def test_a_prompt_only_one_model_answered_makes_no_pair(pair_setup, make_pair_campaign):
    setup = pair_setup(models=2, prompts=3, missing=((1, 2),))
    campaign = make_pair_campaign(setup)
    assert sorted(campaign.items.values_list("prompt_id", flat=True)) == [p.pk for p in setup.prompts[:2]]


def test_answer_a_is_the_items_model_and_answer_b_its_model_b(make_pair_campaign):
    campaign = make_pair_campaign()
    for item in campaign.items.all():
        a, b = (ir.response for ir in ItemResponse.objects.filter(item=item).order_by("position"))
        assert (a.model_id, b.model_id) == (item.model_id, item.model_b_id)
        assert a.prompt_id == b.prompt_id == item.prompt_id


def test_which_model_is_a_is_drawn_from_the_seed(pair_setup, make_pair_campaign):
    setup = pair_setup(models=2, prompts=40)
    first = make_pair_campaign(setup, seed=1)
    again = make_pair_campaign(setup, seed=1)
    other = make_pair_campaign(setup, seed=2)

    def a_models(campaign) -> list[int]:
        return list(campaign.items.order_by("prompt_id").values_list("model_id", flat=True))

    assert a_models(first) == a_models(again)
    assert a_models(first) != a_models(other)
    # Neither model is always A.
    assert 5 < a_models(first).count(setup.models[0].pk) < 35


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"pair_models": "one"}, "target_models"),
        ({"pair_plan": PairPlan.AGAINST_REFERENCE, "pair_reference": None}, "pair_reference"),
        ({"pair_plan": "round_robin"}, "pair_plan"),
        ({"group_samples": True}, "group_samples"),
    ],
)
def test_a_pair_plan_that_cannot_work_is_refused_with_its_field(pair_setup, options, field):
    setup = pair_setup(models=2, prompts=1)
    if options.get("pair_models") == "one":
        options["pair_models"] = setup.models[:1]
    options.setdefault("pair_models", setup.models)
    with pytest.raises(CampaignRejected) as refused:
        campaign_create(
            name="x", kind="safety", responses=setup.responses, judging_mode=Judging.PAIRWISE, **options
        )
    assert refused.value.field == field


def test_a_reference_model_without_answers_is_refused(pair_setup):
    setup = pair_setup(models=3, prompts=1)
    with pytest.raises(CampaignRejected) as refused:
        campaign_create(
            name="x",
            kind="safety",
            responses=setup.responses.exclude(model=setup.models[0]),
            judging_mode=Judging.PAIRWISE,
            pair_models=setup.models[1:],
            pair_plan=PairPlan.AGAINST_REFERENCE,
            pair_reference=setup.models[0],
        )
    assert refused.value.field == "pair_reference"
    assert not Item.objects.exists()


def test_models_with_no_shared_prompt_are_refused(pair_setup):
    setup = pair_setup(models=2, prompts=2, missing=((0, 1), (1, 0)))
    with pytest.raises(CampaignRejected, match="both models"):
        campaign_create(
            name="x",
            kind="safety",
            responses=setup.responses,
            judging_mode=Judging.PAIRWISE,
            pair_models=setup.models,
        )
