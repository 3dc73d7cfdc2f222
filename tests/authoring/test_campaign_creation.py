from __future__ import annotations

import pytest

from authoring.inputs import AuthoringCampaignInput
from authoring.models import AuthoringCampaign
from authoring.services import AuthoringRejected, authoring_campaign_create, authoring_campaign_update
from models_registry.models import GenerationRun
from prompts.models import Domain, Level, PromptSet

pytestmark = pytest.mark.django_db


def test_creating_a_campaign_creates_its_visible_prompt_set_named_after_it(make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, name="Law questions")

    assert campaign.prompt_set.name == "Law questions"
    assert campaign.prompt_set.source == "authoring"
    assert campaign.prompt_set in PromptSet.objects.visible()
    assert campaign.level == Level.RESPONSIBILITY
    assert campaign.attack_run is None


def test_an_attack_campaign_gets_a_finished_run_over_its_set_with_its_targets(make_authoring, target):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)

    run = campaign.attack_run
    assert run.prompt_set == campaign.prompt_set
    assert list(run.target_models.all()) == [target]
    assert run.status == GenerationRun.Status.FINISHED
    assert campaign.level == Level.SAFETY


def test_an_attack_campaign_without_a_target_is_refused_and_leaves_no_set(admin_user):
    with pytest.raises(AuthoringRejected) as refused:
        authoring_campaign_create(
            data=AuthoringCampaignInput.of({"name": "No target", "kind": "attack"}), user=admin_user
        )

    assert refused.value.field == "targets"
    assert not PromptSet.objects.filter(name="No target").exists()


def test_an_expert_campaign_needs_a_domain(admin_user):
    with pytest.raises(AuthoringRejected) as refused:
        authoring_campaign_create(
            data=AuthoringCampaignInput.of({"name": "Experts", "kind": "expert"}), user=admin_user
        )

    assert refused.value.field == "domain"


def test_a_name_another_prompt_set_has_is_refused(admin_user, make_authoring):
    PromptSet.objects.create(name="Taken")

    with pytest.raises(AuthoringRejected) as refused:
        make_authoring(AuthoringCampaign.Kind.EXPERT, name="Taken")

    assert refused.value.field == "name"


def test_editing_a_campaign_renames_its_set_and_keeps_its_kind(make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, name="Before")
    data = AuthoringCampaignInput.of(
        {
            "name": "After",
            "kind": "expert",
            "domain": Domain.objects.get(slug="psychology"),
            "quota_per_person": 3,
        }
    )

    authoring_campaign_update(campaign=campaign, data=data)

    campaign.refresh_from_db()
    assert campaign.prompt_set.name == "After"
    assert campaign.domain.slug == "psychology"
    assert campaign.quota_per_person == 3
    with pytest.raises(AuthoringRejected):
        authoring_campaign_update(
            campaign=campaign,
            data=AuthoringCampaignInput.of({"name": "After", "kind": "collection", "level": "safety"}),
        )
