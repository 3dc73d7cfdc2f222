"""Evaluation's own rows. Derived figures (scores, agreement) are computed from judgements and
generations and are not stored; what is stored here is what only evaluation knows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from metrics.multichoice import REVIEW_CHOICES, Variant
from models_registry.models import GenerationRun, Response
from prompts.models import Domain, MultiChoiceItem, Prompt, PromptSet


class MultiChoiceVariant(models.TextChoices):
    OFFICIAL = Variant.OFFICIAL, "CValues prompt (回复1 / 回复2)"
    AB = Variant.AB, "A/B variant as OpenCompass asks it (not comparable with CValues)"


class MultiChoicePromptSet(models.Model):
    """The prompt set that carries one set's multi-choice items through generation runs, in one
    variant. Generation works on prompts; the items stay untouched in their own set."""

    item_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=16, choices=MultiChoiceVariant.choices)
    prompt_set = models.OneToOneField(PromptSet, on_delete=models.CASCADE, related_name="multi_choice_origin")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item_set", "variant"], name="mc_prompt_set_unique_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.item_set} ({self.variant})"


class MultiChoicePrompt(models.Model):
    """The prompt that asks one multi-choice item in one variant."""

    item = models.ForeignKey(MultiChoiceItem, on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=16, choices=MultiChoiceVariant.choices)
    prompt = models.OneToOneField(Prompt, on_delete=models.CASCADE, related_name="multi_choice")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "variant"], name="mc_prompt_unique_item_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.item} ({self.variant})"


class MultiChoiceRun(models.Model):
    """Models answering a set's multi-choice items, through one generation run."""

    name = models.CharField(max_length=200)
    item_set = models.ForeignKey(PromptSet, on_delete=models.PROTECT, related_name="+")
    variant = models.CharField(
        max_length=16, choices=MultiChoiceVariant.choices, default=MultiChoiceVariant.OFFICIAL
    )
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    generation_run = models.OneToOneField(
        GenerationRun, on_delete=models.PROTECT, related_name="multi_choice_run"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def comparable(self) -> bool:
        return self.variant == MultiChoiceVariant.OFFICIAL


class MultiChoiceReview(models.Model):
    """A person's reading of an answer the rules could not read (Need_Check). It belongs to the
    response, so every run sharing that response sees it."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="multi_choice_review")
    pred = models.CharField(max_length=16, choices=[(c, c) for c in REVIEW_CHOICES])
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.response_id}: {self.pred}"
