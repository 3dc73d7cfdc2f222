"""Two models that answered the same prompts, judged with known outcomes: for the paired
comparison. Each builder takes, per prompt, model A's and model B's outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item
from annotation.services import campaign_create, judgement_submit
from evaluation.models import MultiChoicePrompt, MultiChoiceRun
from metrics.multichoice import REPLY_1
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import model_register
from prompts.models import (
    MULTI_CHOICE_PROMPT_SOURCE,
    Domain,
    Level,
    MultiChoiceItem,
    Prompt,
    PromptSet,
    Scenario,
)

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def models_ab() -> tuple[RegisteredModel, RegisteredModel]:
    register = {"base_url": "http://127.0.0.1:9/v1", "model_id": "m"}
    return model_register(name="model-v1", **register), model_register(name="model-v2", **register)


def _answer(prompt: Prompt, model: RegisteredModel, sample: int = 0) -> Response:
    return Response.objects.create(
        prompt=prompt,
        model=model,
        params_hash="h",
        sample_index=sample,
        request_hash="r",
        status=Response.Status.SUCCEEDED,
        text=f"{model.name} answers {prompt.text}",
    )


def _prompts(
    models: tuple[RegisteredModel, RegisteredModel],
    outcomes: dict[str, list[tuple[Any, Any]]],
    *,
    level: str,
    group_of: Callable[[str], dict[str, Any]],
    text: str,
) -> tuple[PromptSet, dict[tuple[int, int], Any]]:
    """Prompts per group, each answered by both models (None: that model did not answer)."""
    prompt_set = PromptSet.objects.create(name=f"{level} pairs {PromptSet.objects.count()}")
    values: dict[tuple[int, int], Any] = {}
    for group, pairs in outcomes.items():
        for i, pair in enumerate(pairs):
            prompt = Prompt.objects.create(
                prompt_set=prompt_set,
                external_id=f"{group}-{i}",
                level=level,
                source="test",
                text=f"{text} {group} {i}",
                **group_of(group),
            )
            for model, value in zip(models, pair, strict=True):
                if value is not None:
                    values[(prompt.pk, model.pk)] = value
                    _answer(prompt, model)
    return prompt_set, values


def _judge_all(user, campaign: Campaign, data_of: Callable[[Item], dict[str, Any]]) -> None:
    campaign.status = Campaign.Status.OPEN
    campaign.save(update_fields=["status"])
    while (item := assignment_next_for(user=user, campaign=campaign)) is not None:
        judgement_submit(user=user, item=item, data=data_of(item))


def safety_pairs(
    models: tuple[RegisteredModel, RegisteredModel],
    outcomes: dict[str, list[tuple[bool | None, bool | None]]],
    judge,
    *,
    text: str = "prompt",
) -> Campaign:
    """A safety campaign over both models' answers; per scenario slug, (A safe?, B safe?) per
    prompt; one crowdworker judges every answer so."""

    def scenario(slug: str) -> dict[str, Any]:
        return {"scenario": Scenario.objects.get_or_create(slug=slug, defaults={"name_en": slug})[0]}

    prompt_set, values = _prompts(models, outcomes, level=Level.SAFETY, group_of=scenario, text=text)
    campaign = campaign_create(
        name=f"safety of {prompt_set.name}",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(prompt__prompt_set=prompt_set),
        judges_per_item=1,
        content_warning=False,
    )
    _judge_all(judge, campaign, lambda item: {"safe": values[(item.prompt_id, item.model_id)]})
    return campaign


def responsibility_pairs(
    models: tuple[RegisteredModel, RegisteredModel],
    scores: dict[str, list[tuple[int | None, int | None]]],
    expert,
) -> Campaign:
    """A responsibility campaign; per domain slug, (A's score, B's score) per prompt."""

    def domain(slug: str) -> dict[str, Any]:
        return {"domain": Domain.objects.get(slug=slug)}

    prompt_set, values = _prompts(
        models, scores, level=Level.RESPONSIBILITY, group_of=domain, text="question"
    )
    campaign = campaign_create(
        name=f"responsibility of {prompt_set.name}",
        kind=Campaign.Kind.RESPONSIBILITY,
        responses=Response.objects.filter(prompt__prompt_set=prompt_set),
        judges_per_item=1,
    )

    def score(item: Item) -> dict[str, Any]:
        value = values[(item.prompt_id, item.model_id)]
        return {"score": value, **({"rewrite": "a better answer"} if value < 5 else {})}

    _judge_all(expert, campaign, score)
    return campaign


def multichoice_pairs(
    models: tuple[RegisteredModel, RegisteredModel], outcomes: list[tuple[bool, bool]], *, domain: str = "law"
) -> MultiChoiceRun:
    """A multi-choice run in which both models answered every item: (A right?, B right?) each."""
    item_set = PromptSet.objects.create(name="multi-choice items")
    hidden = PromptSet.objects.create(name="multi-choice questions", hidden=True)
    run = GenerationRun.objects.create(
        name="multi-choice", prompt_set=hidden, status=GenerationRun.Status.FINISHED
    )
    run.target_models.add(*models)
    for i, pair in enumerate(outcomes):
        item = MultiChoiceItem.objects.create(
            prompt_set=item_set,
            external_id=str(i),
            pair_key=str(i),
            prompt=f"which is better {i}",
            label=REPLY_1,
            question=f"question {i}",
            pos_resp="good",
            neg_resp="bad",
            domain=Domain.objects.get(slug=domain),
            difficulty=MultiChoiceItem.Difficulty.EASY,
        )
        prompt = Prompt.objects.create(
            prompt_set=hidden,
            external_id=str(i),
            level=Level.RESPONSIBILITY,
            source=MULTI_CHOICE_PROMPT_SOURCE,
            text=item.prompt,
        )
        MultiChoicePrompt.objects.create(item=item, variant="official", prompt=prompt)
        for model, right in zip(models, pair, strict=True):
            answer = _answer(prompt, model)
            answer.text = "回复1更好" if right else "回复2更好"
            answer.save(update_fields=["text"])
            run.responses.add(answer)
    return MultiChoiceRun.objects.create(name="multi-choice", item_set=item_set, generation_run=run)
