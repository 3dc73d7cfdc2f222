"""Evaluation keeps only derived figures: judgements and generations stay the source of truth."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from metrics.multichoice import REVIEW_CHOICES, Variant
from models_registry.models import GenerationRun, Response
from prompts.models import Domain, MultiChoiceItem, Prompt, PromptSet


class FigureSnapshot(models.Model):
    """Dashboard figures (results or agreement) for one scope, computed by a worker and cached.

    A scope is a set of campaigns and filters (model, domain, scenario, dates); ``key`` is a hash of
    it. ``source_marker`` records the judgements the figures were computed from (their count and
    latest change), so a refresh only recomputes what changed.
    """

    class Kind(models.TextChoices):
        RESULTS = "results", pgettext_lazy("status", "Results")
        AGREEMENT = "agreement", pgettext_lazy("status", "Agreement")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("status", "Pending")
        RUNNING = "running", pgettext_lazy("status", "Running")
        READY = "ready", pgettext_lazy("status", "Ready")
        FAILED = "failed", pgettext_lazy("status", "Failed")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=64, help_text=_("sha256 of the kind and the scope."))
    scope = models.JSONField(help_text=_("Campaign ids and filters the figures cover."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    payload = models.JSONField(null=True, blank=True)
    source_marker = models.CharField(max_length=100, blank=True)
    judgements = models.PositiveIntegerField(
        default=0, help_text=_("Judgements the figures were computed from.")
    )
    compute_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the current computation was queued or started.")
    )
    viewed_at = models.DateTimeField(auto_now_add=True, help_text=_("Kept fresh while someone looks at it."))
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="figure_snapshot_unique_key")]
        indexes = [models.Index(fields=["viewed_at"], name="figure_snapshot_viewed")]

    def __str__(self) -> str:
        return f"{self.kind} snapshot {self.key[:8]}"


# ---------------------------------------------------------------- multi-choice
# What only evaluation knows about the multi-choice test: how its items reach the generation
# pipeline, its runs, and people's readings of answers the rules could not read.


class MultiChoiceVariant(models.TextChoices):
    OFFICIAL = Variant.OFFICIAL, _("CValues prompt (回复1 / 回复2)")
    AB = Variant.AB, _("A/B variant as OpenCompass asks it (not comparable with CValues)")


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


# ---------------------------------------------------------------- exports


class Export(models.Model):
    """A dataset taken out of ValueLens: written by a worker, row by row, into one zip under
    MEDIA_ROOT with its dataset card (README.md)."""

    class Kind(models.TextChoices):
        SCORED = "scored", _("Scored dataset (judgements, items, models)")
        TRAINING = "training", _("Training data (preference pairs, supervised pairs, multi-choice)")

    class Format(models.TextChoices):
        JSONL = "jsonl", _("JSONL")
        CSV = "csv", _("CSV")
        PARQUET = "parquet", _("Parquet")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("status", "Pending")
        RUNNING = "running", pgettext_lazy("status", "Running")
        READY = "ready", pgettext_lazy("status", "Ready")
        FAILED = "failed", pgettext_lazy("status", "Failed")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SCORED)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.JSONL)
    scope = models.JSONField(
        default=dict, blank=True, help_text=_("Campaign ids and filters (a figure scope).")
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveBigIntegerField(
        default=0, help_text=_("Judgements in scope when it started.")
    )
    rows_done = models.PositiveBigIntegerField(default=0, help_text=_("Judgements written so far."))
    counts = models.JSONField(default=dict, blank=True, help_text=_("Rows per file of the finished export."))
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The task delivery writing it, renewed while it works: a second copy of the task (redelivered
    # while the first still runs) leaves a live holder alone and writes in a directory of its own.
    claim = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} export {self.pk} ({self.format}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def percent(self) -> float:
        if self.status == self.Status.READY:
            return 100.0
        return min(99.0, 100.0 * self.rows_done / self.rows_total) if self.rows_total else 0.0
