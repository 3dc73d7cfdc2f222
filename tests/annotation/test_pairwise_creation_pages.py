"""An admin creates a pairwise campaign on the New campaign page or over the API; a plan that
cannot work is refused beside its field, in the page's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.models import Campaign, Judging, PairPlan

pytestmark = pytest.mark.django_db


def _form(setup, **extra) -> dict:
    return {
        "name": "pairs",
        "kind": "safety",
        "target_models": [m.pk for m in setup.models],
        "lease_minutes": 10,
        "judging_mode": Judging.PAIRWISE,
        "pair_plan": PairPlan.ALL_PAIRS,
        **extra,
    }


def test_the_new_campaign_page_makes_a_pairwise_campaign(admin_client, pair_setup):
    setup = pair_setup(models=3, prompts=2)

    made = admin_client.post(reverse("campaigns:create"), _form(setup))

    campaign = Campaign.objects.get()
    assert made.status_code == 302
    assert campaign.pairwise
    assert campaign.items.count() == 6


def test_the_page_refuses_one_model_beside_the_models_field_in_chinese(admin_client, pair_setup):
    setup = pair_setup(models=2, prompts=1)

    page = admin_client.post(
        reverse("campaigns:create"),
        _form(setup, target_models=[setup.models[0].pk]),
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    ).text

    assert "成对比较活动至少比较两个模型" in page
    assert not Campaign.objects.exists()


def test_the_api_makes_a_campaign_against_a_reference(admin_user, pair_setup):
    setup = pair_setup(models=3, prompts=2)
    api = APIClient()
    api.force_authenticate(admin_user)

    made = api.post(
        "/api/campaigns/",
        _form(
            setup,
            target_models=[m.pk for m in setup.models[1:]],
            pair_plan=PairPlan.AGAINST_REFERENCE,
            pair_reference=setup.models[0].pk,
        ),
        format="json",
    )

    assert made.status_code == 201, made.json()
    assert made.json()["judging_mode"] == "pairwise"
    assert made.json()["pair_reference"] == setup.models[0].pk
    assert Campaign.objects.get().items.count() == 4


def test_the_api_refuses_a_reference_without_answers(admin_user, pair_setup):
    setup = pair_setup(models=3, prompts=1, missing=((0, 0),))
    api = APIClient()
    api.force_authenticate(admin_user)

    refused = api.post(
        "/api/campaigns/",
        _form(
            setup,
            target_models=[m.pk for m in setup.models[1:]],
            pair_plan=PairPlan.AGAINST_REFERENCE,
            pair_reference=setup.models[0].pk,
        ),
        format="json",
    )

    assert refused.status_code == 400
    assert "pair_reference" in refused.json()


def test_the_preview_counts_the_pairs_the_plan_makes(admin_client, pair_setup):
    setup = pair_setup(models=3, prompts=2, missing=((2, 1),))
    query = _form(setup)

    preview = admin_client.get(reverse("campaigns:preview"), query).text

    # m0–m1 on both prompts, m0–m2 and m1–m2 on the first only.
    assert "<b>4</b> items" in preview


def test_the_campaign_page_names_the_reference_of_a_pair_plan(admin_client, pair_setup):
    setup = pair_setup(models=2, prompts=1)
    admin_client.post(
        reverse("campaigns:create"),
        _form(
            setup,
            target_models=[setup.models[1].pk],
            pair_plan=PairPlan.AGAINST_REFERENCE,
            pair_reference=setup.models[0].pk,
        ),
    )
    campaign = Campaign.objects.get()

    page = admin_client.get(reverse("campaigns:detail", args=[campaign.pk])).text

    assert f"against the reference model {setup.models[0].name}" in page


def test_the_page_and_the_api_turn_active_sampling_on(admin_client, admin_user, pair_setup):
    setup = pair_setup(models=3, prompts=2)
    api = APIClient()
    api.force_authenticate(admin_user)

    admin_client.post(reverse("campaigns:create"), _form(setup, name="by page", active_sampling="on"))
    made = api.post("/api/campaigns/", _form(setup, name="by api", active_sampling=True), format="json")

    assert Campaign.objects.get(name="by page").active_sampling
    assert made.json()["active_sampling"] is True
    assert Campaign.objects.get(name="by api").active_sampling


def test_active_sampling_is_for_pairwise_campaigns_only(admin_client, pair_setup):
    setup = pair_setup(models=2, prompts=2)

    admin_client.post(
        reverse("campaigns:create"), _form(setup, judging_mode=Judging.ABSOLUTE, active_sampling="on")
    )

    assert not Campaign.objects.get().active_sampling
