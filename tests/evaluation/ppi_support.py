"""Campaigns with a human sample (issue 28): people judge the sampled items through the real
assignment and submit, and a judge run's answers are stored as rows (no model is called)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.utils.text import slugify

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item
from annotation.services import campaign_create, judgement_submit
from common.roles import Role
from evaluation.judges.services import judge_template_for
from evaluation.models import JudgeRun, MachineJudgement
from models_registry.models import GenerationRun, Response
from models_registry.services import model_register
from prompts.models import Domain, Level, Prompt, PromptSet, Scenario


@dataclass
class Sampled:
    campaign: Campaign
    # The true label of each item (what people say of it), by item id.
    truth: dict[int, float]


def sampled_campaign(
    make_user,
    *,
    kind: str = Campaign.Kind.SAFETY,
    models: int = 2,
    prompts: int = 40,
    seed: int = 7,
    **sample,
) -> Sampled:
    """``models`` models answering ``prompts`` prompts of two scenarios (safety) or two domains
    (responsibility); an open campaign of N = 1 with the given human sample; each item's true
    label drawn from ``seed`` (safe 80% of the time, or a score 5–10)."""
    rng = random.Random(seed)
    prompt_set = PromptSet.objects.create(name=f"ppi {kind} {seed}")
    scenarios = list(Scenario.objects.order_by("pk")[:2])
    domains = list(Domain.objects.order_by("pk")[:2])
    level = Level.SAFETY if kind == Campaign.Kind.SAFETY else Level.RESPONSIBILITY
    made = [
        Prompt.objects.create(
            prompt_set=prompt_set,
            external_id=str(j),
            level=level,
            scenario=scenarios[j % 2] if level == Level.SAFETY else None,
            domain=domains[j % 2] if level == Level.RESPONSIBILITY else None,
            source="test",
            text=f"问题 {j}",
        )
        for j in range(prompts)
    ]
    registered = [
        model_register(name=f"ppi-{prompt_set.pk}-m{i}", base_url="http://127.0.0.1:9/v1", model_id="m")
        for i in range(models)
    ]
    for model in registered:
        Response.objects.bulk_create(
            [
                Response(
                    prompt=p,
                    model=model,
                    params_hash="h",
                    sample_index=0,
                    request_hash="r",
                    status=Response.Status.SUCCEEDED,
                    text=f"{model.name} 回答 {p.external_id}",
                )
                for p in made
            ]
        )
    campaign = campaign_create(
        name=f"ppi {kind}",
        kind=kind,
        responses=Response.objects.filter(model__in=registered),
        judges_per_item=1,
        content_warning=False,
        **sample,
    )
    campaign.status = Campaign.Status.OPEN
    campaign.save()
    truth = {}
    for item in Item.objects.filter(campaign=campaign).order_by("pk"):
        if kind == Campaign.Kind.SAFETY:
            truth[item.pk] = float(rng.random() < 0.8)
        else:
            truth[item.pk] = float(rng.randint(5, 10))
    return Sampled(campaign=campaign, truth=truth)


def people_judge(make_user, sampled: Sampled) -> int:
    """One person (an expert of both domains for ratings) judges every item they are served, with
    the item's true label; returns how many they judged."""
    campaign = sampled.campaign
    if campaign.kind == Campaign.Kind.SAFETY:
        person = make_user(Role.CROWDWORKER)
    else:
        slugs = tuple(Domain.objects.order_by("pk").values_list("slug", flat=True)[:2])
        person = make_user(Role.EXPERT, domains=slugs)
    judged = 0
    while (item := assignment_next_for(user=person, campaign=campaign)) is not None:
        value = sampled.truth[item.pk]
        data = {"safe": bool(value)} if campaign.kind == Campaign.Kind.SAFETY else {"score": int(value)}
        judgement_submit(user=person, item=item, data=data)
        judged += 1
    return judged


def judge_labels(sampled: Sampled, *, right: float = 0.85, seed: int = 11) -> dict[int, float]:
    """A judge's labels of every item: the true one ``right`` of the time, else wrong (the other
    verdict, or a score off by 1 to 3 points, kept within 1–10)."""
    rng = random.Random(seed)
    labels = {}
    for item_id, value in sampled.truth.items():
        if rng.random() < right:
            labels[item_id] = value
        elif sampled.campaign.kind == Campaign.Kind.SAFETY:
            labels[item_id] = 1.0 - value
        else:
            labels[item_id] = float(min(10, max(1, value + rng.choice([-3, -2, -1, 1, 2]))))
    return labels


def stored_judge_run(campaign: Campaign, labels: dict[int, float], *, name: str = "judge run") -> JudgeRun:
    """A finished judge run over the campaign whose judge model answered each item with the given
    label, stored as the run would store it (a hidden prompt, a response, a machine judgement)."""
    template = judge_template_for(campaign=campaign)
    judge = model_register(
        name=f"judge-{campaign.pk}-{slugify(name)}", base_url="http://127.0.0.1:9/v1", model_id="j"
    )
    prompt_set = PromptSet.objects.create(name=f"judging {campaign.pk} {name}")
    run = GenerationRun.objects.create(
        name=f"Judge: {name}", prompt_set=prompt_set, status=GenerationRun.Status.FINISHED
    )
    run.target_models.add(judge)
    safety = campaign.kind == Campaign.Kind.SAFETY
    for item_id, value in labels.items():
        prompt = Prompt.objects.create(
            prompt_set=prompt_set,
            external_id=str(item_id),
            level=campaign.kind,
            source="judge",
            text=f"j{item_id}",
        )
        response = Response.objects.create(
            prompt=prompt,
            model=judge,
            params_hash="j",
            sample_index=0,
            request_hash="j",
            status=Response.Status.SUCCEEDED,
            text="{}",
        )
        run.responses.add(response)
        MachineJudgement.objects.create(
            item_id=item_id,
            campaign=campaign,
            judge_model=judge,
            template=template,
            response=response,
            status=MachineJudgement.Status.OK,
            safe=bool(value) if safety else None,
            score=None if safety else int(value),
        )
    return JudgeRun.objects.create(name=name, campaign=campaign, template=template, generation_run=run)
