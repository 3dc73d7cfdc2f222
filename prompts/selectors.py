"""Reads for benchmark content."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from prompts.models import Domain, Prompt, PromptSet, Scenario


def prompt_set_list() -> QuerySet[PromptSet]:
    return (
        PromptSet.objects.visible()
        .annotate(
            prompt_count=Count("prompts", distinct=True),
            safety_count=Count("prompts", filter=Q(prompts__level="safety"), distinct=True),
            responsibility_count=Count("prompts", filter=Q(prompts__level="responsibility"), distinct=True),
            multi_choice_count=Count("multi_choice_items", distinct=True),
            pair_count=Count("reference_pairs", distinct=True),
        )
        .order_by("name")
    )


def prompts_search(
    *,
    text: str = "",
    prompt_set: PromptSet | None = None,
    level: str = "",
    domain: Domain | None = None,
    scenario: Scenario | None = None,
) -> QuerySet[Prompt]:
    """Prompts matching every filter given; ``text`` matches words in the prompt or its id."""
    prompts = (
        Prompt.objects.filter(prompt_set__hidden=False)
        .select_related("prompt_set", "domain", "scenario")
        .order_by("prompt_set_id", "id")
    )
    if text:
        prompts = prompts.filter(Q(text__icontains=text) | Q(external_id__icontains=text))
    if prompt_set is not None:
        prompts = prompts.filter(prompt_set=prompt_set)
    if level:
        prompts = prompts.filter(level=level)
    if domain is not None:
        prompts = prompts.filter(domain=domain)
    if scenario is not None:
        prompts = prompts.filter(scenario=scenario)
    return prompts
