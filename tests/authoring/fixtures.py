"""Authoring campaigns of each kind, open, and attack conversations written straight into the
database (the attack workspace that streams them is tested on its own)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from authoring.inputs import AuthoringCampaignInput, BriefInput
from authoring.models import AuthoringCampaign, Conversation, Turn
from authoring.services import authoring_campaign_create, authoring_campaign_status_set
from models_registry.models import RegisteredModel
from models_registry.services import model_register
from prompts.models import Domain, Level, Scenario


@pytest.fixture
def target(db) -> RegisteredModel:
    return model_register(name="target-model", base_url="http://127.0.0.1:9/v1", model_id="target")


@pytest.fixture
def make_authoring(db, admin_user, target) -> Callable[..., AuthoringCampaign]:
    counter = iter(range(1, 1000))

    def make(
        kind: str = AuthoringCampaign.Kind.EXPERT, *, status: str = "open", **values
    ) -> AuthoringCampaign:
        values.setdefault("name", f"{kind} campaign {next(counter)}")
        if kind == AuthoringCampaign.Kind.ATTACK:
            values.setdefault("targets", (target,))
            values.setdefault(
                "briefs",
                (BriefInput(scenario=Scenario.objects.get(slug="crimes"), description="Crimes", quota=5),),
            )
        if kind == AuthoringCampaign.Kind.EXPERT:
            values.setdefault("domain", Domain.objects.get(slug="law"))
        if kind == AuthoringCampaign.Kind.COLLECTION:
            values.setdefault("level", Level.SAFETY)
        campaign = authoring_campaign_create(
            data=AuthoringCampaignInput.of({"kind": kind, **values}), user=admin_user
        )
        return authoring_campaign_status_set(campaign=campaign, status=status)

    return make


@pytest.fixture
def make_conversation(db) -> Callable[..., Conversation]:
    def make(campaign, author, *turns: tuple[str, str], status: str = Turn.Status.DONE) -> Conversation:
        conversation = Conversation.objects.create(
            campaign=campaign, author=author, target=campaign.targets.first()
        )
        for position, (text, answer) in enumerate(turns, start=1):
            Turn.objects.create(
                conversation=conversation, position=position, text=text, answer=answer, status=status
            )
        return conversation

    return make
