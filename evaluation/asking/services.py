"""How evaluation asks models its own questions (multi-choice items, judging prompts, and whatever
subject comes next): the questions become prompts of a hidden prompt set, and a generation run over
that set asks them, with its retries, limits, costs and shared answers.

A subject names its set (``HiddenSet``), turns what it asks about into ``HiddenQuestion`` rows,
and starts the run with ``hidden_run_start``; it keeps its own link from each prompt back to what
the prompt asks about (an item and a variant, an item and a template)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from evaluation.models import HiddenPromptSet
from models_registry.models import GenerationRun, RegisteredModel
from models_registry.services import generation_run_create, generation_run_start
from prompts.models import Domain, Prompt, PromptSet, Scenario


@dataclass(frozen=True)
class HiddenSet:
    """Which hidden set a subject asks through (``subject`` and ``key`` find it), and what the set
    says about itself where admins see it (the Django admin, a generation run's page)."""

    subject: str
    key: str
    name: str
    description: str
    source: str = ""
    license: str = ""


@dataclass(frozen=True)
class HiddenQuestion:
    """One question a subject asks: one prompt of its hidden set."""

    external_id: str
    text: str
    level: str
    domain_id: int | None = None
    scenario_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def hidden_prompt_set(*, spec: HiddenSet) -> PromptSet:
    """The hidden set of ``spec``, created at its first use."""
    link = (
        HiddenPromptSet.objects.select_related("prompt_set")
        .filter(subject=spec.subject, key=spec.key)
        .first()
    )
    if link is not None:
        return link.prompt_set
    try:
        with transaction.atomic():
            prompt_set = PromptSet.objects.create(
                name=spec.name[:200],
                description=spec.description,
                source=spec.source,
                license=spec.license,
                hidden=True,
            )
            HiddenPromptSet.objects.create(subject=spec.subject, key=spec.key, prompt_set=prompt_set)
    except IntegrityError:
        # Another run started at the same moment created it first.
        return (
            HiddenPromptSet.objects.select_related("prompt_set")
            .get(subject=spec.subject, key=spec.key)
            .prompt_set
        )
    return prompt_set


def hidden_prompts_create(
    *, prompt_set: PromptSet, subject: str, questions: Sequence[HiddenQuestion]
) -> dict[str, int]:
    """Write the questions as prompts of the hidden set (a question already there is left as it
    is: answers point at it) and return each question's prompt id by its external id."""
    Prompt.objects.bulk_create(
        [
            Prompt(
                prompt_set=prompt_set,
                external_id=q.external_id,
                level=q.level,
                domain_id=q.domain_id,
                scenario_id=q.scenario_id,
                source=subject,
                text=q.text,
                metadata=q.metadata,
            )
            for q in questions
        ],
        ignore_conflicts=True,
    )
    return dict(
        Prompt.objects.filter(
            prompt_set=prompt_set, external_id__in=[q.external_id for q in questions]
        ).values_list("external_id", "pk")
    )


@transaction.atomic
def hidden_run_start(
    *,
    name: str,
    spec: HiddenSet,
    models: Iterable[RegisteredModel],
    write_questions: Callable[[PromptSet], object] | None = None,
    domain: Domain | None = None,
    scenario: Scenario | None = None,
    user: AbstractBaseUser | None = None,
) -> GenerationRun:
    """Ask models a subject's questions, once each, through a generation run over its hidden set
    (filtered by domain and scenario).

    With ``write_questions``, the subject writes its missing questions now (through
    ``hidden_prompts_create``) and the run's generations are queued at once. Without it the run
    starts PREPARING: the subject's worker writes the questions chunk by chunk, adds them to the run
    (``generation_run_add``) and then says it is complete (``generation_run_prepared``), so that a
    big subject's first answers come in while the rest is still being written."""
    prompt_set = hidden_prompt_set(spec=spec)
    # One answer per question: each subject reads one answer per model.
    run = {
        "name": name[:200],
        "prompt_set": prompt_set,
        "models": models,
        "domain": domain,
        "scenario": scenario,
        "samples_per_prompt": 1,
        "user": user,
    }
    if write_questions is None:
        return generation_run_create(**run, status=GenerationRun.Status.PREPARING)
    write_questions(prompt_set)
    return generation_run_start(**run)
