"""Writes for the multi-choice test: starting runs (through models_registry's generation runs) and
the reviews of answers the rules could not read."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from evaluation.asking.services import HiddenQuestion, HiddenSet, hidden_prompts_create, hidden_run_start
from evaluation.models import (
    HiddenSubject,
    MultiChoicePrompt,
    MultiChoiceReview,
    MultiChoiceRun,
    MultiChoiceVariant,
)
from metrics.multichoice import REVIEW_CHOICES, ab_prompt
from models_registry.models import RegisteredModel, Response
from prompts.models import Domain, Level, MultiChoiceItem, PromptSet

SYNC_BATCH = 1000


class MultiChoiceRejected(ApplicationError, ValueError):
    """A multi-choice run or review that cannot be made as asked; the message says why. Also a
    ValueError: what scripts caught before."""


def _prompt_text(item_prompt: str, variant: str) -> str:
    return ab_prompt(item_prompt) if variant == MultiChoiceVariant.AB else item_prompt


def _hidden_set(*, item_set: PromptSet, variant: str) -> HiddenSet:
    label = "A/B variant" if variant == MultiChoiceVariant.AB else "CValues prompt"
    return HiddenSet(
        subject=HiddenSubject.MULTI_CHOICE,
        key=f"item_set={item_set.pk}:variant={variant}",
        name=f"Multi-choice #{item_set.pk} ({label}): {item_set.name}",
        description=f"Carries the multi-choice items of “{item_set.name}” through generation runs.",
        source=item_set.source,
        license=item_set.license,
    )


def multichoice_prompts_sync(*, item_set: PromptSet, variant: str, prompt_set: PromptSet) -> None:
    """Give the hidden set that asks the items of `item_set` in `variant` one prompt per item.

    Items imported since the last call get their prompt now; existing prompts are left alone (the
    item rows are immutable content, and responses point at those prompts).
    """
    missing = (
        MultiChoiceItem.objects.filter(prompt_set=item_set)
        .exclude(pk__in=MultiChoicePrompt.objects.filter(variant=variant).values("item_id"))
        .order_by("pk")
        .values_list("pk", "external_id", "domain_id", "prompt")
    )
    batch: list[tuple[int, str, int, str]] = []
    for row in missing.iterator(chunk_size=SYNC_BATCH):
        batch.append(row)
        if len(batch) == SYNC_BATCH:
            _prompts_create(prompt_set=prompt_set, variant=variant, rows=batch)
            batch = []
    if batch:
        _prompts_create(prompt_set=prompt_set, variant=variant, rows=batch)


def _prompts_create(*, prompt_set: PromptSet, variant: str, rows: list[tuple[int, str, int, str]]) -> None:
    by_external_id = hidden_prompts_create(
        prompt_set=prompt_set,
        subject=HiddenSubject.MULTI_CHOICE,
        questions=[
            HiddenQuestion(
                external_id=external_id,
                text=_prompt_text(text, variant),
                level=Level.RESPONSIBILITY,
                domain_id=domain_id,
                metadata={"multi_choice_item": item_id, "variant": variant},
            )
            for item_id, external_id, domain_id, text in rows
        ],
    )
    MultiChoicePrompt.objects.bulk_create(
        [
            MultiChoicePrompt(item_id=item_id, variant=variant, prompt_id=by_external_id[external_id])
            for item_id, external_id, _domain_id, _text in rows
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def multichoice_run_start(
    *,
    name: str,
    item_set: PromptSet,
    models: Iterable[RegisteredModel],
    variant: str = MultiChoiceVariant.OFFICIAL,
    domain: Domain | None = None,
    user: AbstractBaseUser | None = None,
) -> MultiChoiceRun:
    """Ask models the multi-choice items of a set (optionally one domain), once each.

    The generation run does the asking, so answers another run already fetched with the same
    model parameters are reused, and retries never duplicate a response.
    """
    if variant not in MultiChoiceVariant.values:
        raise MultiChoiceRejected(_("Unknown variant %(variant)r.") % {"variant": variant}, field="variant")
    items = MultiChoiceItem.objects.filter(prompt_set=item_set)
    if domain is not None:
        items = items.filter(domain=domain)
    if not items.exists():
        raise MultiChoiceRejected(
            _("This prompt set holds no multi-choice item (in that domain)."), field="item_set"
        )
    # Two runs started at once on one set must not both create its prompts.
    PromptSet.objects.select_for_update().filter(pk=item_set.pk).first()
    # One answer per item (the hidden run asks each question once): CValues scores one answer per
    # option order.
    generation_run = hidden_run_start(
        name=f"Multi-choice: {name}",
        spec=_hidden_set(item_set=item_set, variant=variant),
        models=models,
        write_questions=lambda prompt_set: multichoice_prompts_sync(
            item_set=item_set, variant=variant, prompt_set=prompt_set
        ),
        domain=domain,
        user=user,
    )
    return MultiChoiceRun.objects.create(
        name=name,
        item_set=item_set,
        variant=variant,
        domain=domain,
        generation_run=generation_run,
        created_by=user,
    )


def multichoice_review_set(
    *, run: MultiChoiceRun, response: Response, pred: str, user: AbstractBaseUser | None
) -> MultiChoiceReview:
    """Record a person's reading of an answer; setting it again replaces it."""
    if pred not in REVIEW_CHOICES:
        raise MultiChoiceRejected(
            _("A review sets one of %(choices)s.") % {"choices": ", ".join(REVIEW_CHOICES)}, field="pred"
        )
    if not run.generation_run.responses.filter(pk=response.pk).exists():
        raise MultiChoiceRejected(_("This answer is not part of the run."))
    review, _created = MultiChoiceReview.objects.update_or_create(
        response=response, defaults={"pred": pred, "reviewed_by": user}
    )
    return review
