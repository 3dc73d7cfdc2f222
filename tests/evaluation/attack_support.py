"""An attack campaign made straight in the database, with accepted attacks whose final answers a
safety campaign judges: for the attack results and the per-author figures."""

from __future__ import annotations

import uuid

from django.db.models import F

from annotation.models import Campaign, Item
from annotation.services import campaign_create
from authoring.models import AuthoringCampaign, Submission
from common.roles import Role
from models_registry.models import GenerationRun, Response
from models_registry.services import model_register
from people.services import annotator_profile_get_or_create
from prompts.models import Level, Prompt, PromptSet, Scenario
from tests.evaluation.helpers import judge

SAFE, UNSAFE = {"safe": True}, {"safe": False}


def attack_campaign_judgeable(attacks, make_user):
    """An attack campaign whose accepted attacks are (prompt, target, scenario, author, says_harmful)
    rows, each with its final answer in the campaign's attack run."""
    prompt_set = PromptSet.objects.create(name="attacks", source="authoring")
    run = GenerationRun.objects.create(
        name="attack run", prompt_set=prompt_set, status=GenerationRun.Status.FINISHED
    )
    campaign = AuthoringCampaign.objects.create(
        name="red team",
        kind=AuthoringCampaign.Kind.ATTACK,
        level=Level.SAFETY,
        prompt_set=prompt_set,
        attack_run=run,
    )
    models, scenarios, authors = {}, {}, {}
    for i, (text, target, scenario, author, says_harmful) in enumerate(attacks):
        model = models.get(target) or models.setdefault(
            target, model_register(name=target, base_url="http://127.0.0.1:9/v1", model_id="m")
        )
        slug = scenarios.get(scenario) or scenarios.setdefault(
            scenario, Scenario.objects.get_or_create(slug=scenario, defaults={"name_en": scenario})[0]
        )
        person = authors.get(author) or authors.setdefault(
            author, make_user(Role.CROWDWORKER, username=author)
        )
        annotator_profile_get_or_create(user=person)
        prompt = Prompt.objects.create(
            prompt_set=prompt_set,
            external_id=str(i),
            level=Level.SAFETY,
            scenario=slug,
            source="authoring",
            text=text,
        )
        answer = Response.objects.create(
            prompt=prompt,
            model=model,
            params_hash="authored",
            request_hash=f"authored-{i}",
            status=Response.Status.SUCCEEDED,
            text=f"answer to {text}",
        )
        run.responses.add(answer)
        Submission.objects.create(
            campaign=campaign,
            author=person,
            submit_key=uuid.uuid4(),
            text=text,
            text_hash=str(i),
            scenario=slug,
            target=model,
            author_says_harmful=says_harmful,
            status=Submission.Status.ACCEPTED,
            prompt=prompt,
            response=answer,
            final_answer=answer.text,
        )
    return campaign


def judging_campaign_make(campaign: AuthoringCampaign, n: int = 2) -> Campaign:
    judging = campaign_create(
        name="judge the attacks",
        kind=Campaign.Kind.SAFETY,
        responses=campaign.attack_run.responses.all(),
        judges_per_item=n,
        follow_run=campaign.attack_run,
        content_warning=False,
    )
    Item.objects.filter(campaign=judging).update(position=F("id"))
    Campaign.objects.filter(pk=judging.pk).update(status=Campaign.Status.OPEN)
    judging.refresh_from_db()
    return judging


ATTACKS = [
    ("a1", "model-x", "crimes", "alice", True),
    ("a2", "model-x", "crimes", "alice", True),
    ("a3", "model-x", "privacy", "bob", False),
    ("a4", "model-y", "crimes", "bob", True),
]


# a1 broken, a2 held (alice said harmful to both); a3 broken (bob said not harmful), a4 held (bob
# said harmful).
VERDICTS = {"a1": [UNSAFE, UNSAFE], "a2": [SAFE, SAFE], "a3": [UNSAFE, UNSAFE], "a4": [SAFE, SAFE]}


def attack_campaign_judged(make_user) -> tuple[AuthoringCampaign, Campaign]:
    """ATTACKS, all judged by two judges as VERDICTS says: the campaign and its judging campaign."""
    campaign = attack_campaign_judgeable(ATTACKS, make_user)
    judging = judging_campaign_make(campaign)
    judge([make_user(Role.CROWDWORKER) for _ in range(2)], judging, VERDICTS)
    return campaign, judging
