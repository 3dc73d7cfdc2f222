"""Reads for benchmark content."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from prompts.models import PromptSet


def prompt_set_list() -> QuerySet[PromptSet]:
    return PromptSet.objects.annotate(
        prompt_count=Count("prompts", distinct=True),
        safety_count=Count("prompts", filter=Q(prompts__level="safety"), distinct=True),
        responsibility_count=Count("prompts", filter=Q(prompts__level="responsibility"), distinct=True),
        multi_choice_count=Count("multi_choice_items", distinct=True),
        pair_count=Count("reference_pairs", distinct=True),
    ).order_by("name")
