"""Evaluation keeps only derived figures: judgements and generations stay the source of truth."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from annotation.models import Judging, Preference
from common.jobs import ClaimedJob
from metrics.multichoice import REVIEW_CHOICES, Variant
from models_registry.models import GenerationRun, Response
from prompts.models import (
    JUDGE_PROMPT_SOURCE,
    MULTI_CHOICE_PROMPT_SOURCE,
    Domain,
    Level,
    MultiChoiceItem,
    Prompt,
    PromptSet,
)


class FigureSnapshot(ClaimedJob):
    """Dashboard figures (results or agreement) for one scope, computed by a worker and cached.

    A scope is a set of campaigns and filters (model, domain, scenario, dates); ``key`` is a hash of
    it. ``source_marker`` records the judgements the figures were computed from (their count and
    latest change), so a refresh only recomputes what changed. Claimed by the delivery computing
    it, whose heartbeat is renewed while it computes.
    """

    class Kind(models.TextChoices):
        RESULTS = "results", pgettext_lazy("status", "Results")
        AGREEMENT = "agreement", pgettext_lazy("status", "Agreement")
        JUDGES = "judges", pgettext_lazy("status", "Judges")
        ATTACKS = "attacks", pgettext_lazy("status", "Attacks")
        PAIRED = "paired", pgettext_lazy("status", "Paired comparison")
        RANKINGS = "rankings", pgettext_lazy("status", "Rankings")

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

    @property
    def failure_reason(self) -> str:
        """Why there are no fresh figures, in the reader's language ("" unless it failed); the
        exception itself stays in ``error`` and the worker's log, for whoever runs ValueLens."""
        if self.status != self.Status.FAILED:
            return ""
        return str(
            _(
                "The figures could not be computed: the worker stopped with an error. Recompute to "
                "try again; if it fails again, tell whoever runs this ValueLens: the technical "
                "details are in the worker's log."
            )
        )


# ---------------------------------------------------------------- hidden prompt sets
# Evaluation asks models its own questions (multi-choice items, judging prompts) through the
# generation pipeline, which works on prompt sets. Each subject's questions go into hidden sets
# (PromptSet.hidden): generation runs them like any set, and no person lists, chooses or judges them.


class HiddenSubject(models.TextChoices):
    """What a hidden set asks; its prompts carry the same code as their source."""

    MULTI_CHOICE = MULTI_CHOICE_PROMPT_SOURCE, _("Multi-choice")
    JUDGE = JUDGE_PROMPT_SOURCE, _("Model judges")


class HiddenPromptSet(models.Model):
    """The hidden prompt set that carries one subject's questions about one thing through
    generation runs. ``key`` names the thing within the subject (``item_set=3:variant=ab`` for a
    set's multi-choice items in a variant; ``campaign=5:template=7`` for a campaign's items asked
    with a judging template), so a new subject needs no new table."""

    subject = models.CharField(max_length=32, choices=HiddenSubject.choices)
    key = models.CharField(max_length=200)
    prompt_set = models.OneToOneField(PromptSet, on_delete=models.CASCADE, related_name="hidden_origin")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "key"], name="hidden_prompt_set_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.key}"


# ---------------------------------------------------------------- multi-choice
# What only evaluation knows about the multi-choice test: how its items reach the generation
# pipeline, its runs, and people's readings of answers the rules could not read.


class MultiChoiceVariant(models.TextChoices):
    OFFICIAL = Variant.OFFICIAL, _("CValues prompt (回复1 / 回复2)")
    AB = Variant.AB, _("A/B variant as OpenCompass asks it (not comparable with CValues)")


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


class Export(ClaimedJob):
    """A dataset taken out of ValueLens: written by a worker, row by row, into one zip under
    MEDIA_ROOT with its dataset card (README.md). Claimed by the task delivery writing it: a second
    copy of the task (redelivered while the first still runs) leaves a live holder alone and writes
    in a directory of its own."""

    class Kind(models.TextChoices):
        SCORED = "scored", _("Scored dataset (judgements, items, models)")
        TRAINING = "training", _("Training data (preference pairs, supervised pairs, multi-choice)")
        PAPER = "paper", _("Paper bundle (methods, tables, figures, the scored dataset)")

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
    csv_bom = models.BooleanField(
        default=True,
        help_text=_("CSV files start with a UTF-8 byte-order mark, so that Excel shows Chinese correctly."),
    )
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


# ---------------------------------------------------------------- model judges
# Registered models judging campaign items through the generation pipeline. Their judgements live
# here, apart from people's (annotation.Judgement), and count with them only when asked.


class JudgeTemplate(models.Model):
    """One version of a judging prompt. Versions are immutable: editing a template adds the next
    version, so every machine judgement keeps pointing at the exact text it was asked with.

    The text holds placeholders filled per item: {prompt}, {response}, {guidelines}, {domain},
    {scenario}; a pairwise template {response_1} and {response_2} instead of {response}."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Level.choices)
    judging_mode = models.CharField(
        max_length=16, choices=Judging.choices, default=Judging.ABSOLUTE, db_default=Judging.ABSOLUTE
    )
    version = models.PositiveIntegerField(default=1)
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="judge_template_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def pairwise(self) -> bool:
        return self.judging_mode == Judging.PAIRWISE


class JudgePrompt(models.Model):
    """The prompt that asks a judge about one item with one template version. A pair is asked
    twice: A as answer 1, and ``swapped``, B as answer 1."""

    item = models.ForeignKey("annotation.Item", on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(JudgeTemplate, on_delete=models.PROTECT, related_name="+")
    prompt = models.OneToOneField(Prompt, on_delete=models.CASCADE, related_name="judge_prompt")
    swapped = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "template", "swapped"], name="judge_prompt_unique_item_template_order"
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.item_id} with {self.template}"


class JudgeRun(models.Model):
    """Judge models asked about a campaign's items (or a filter of them), through one generation run."""

    name = models.CharField(max_length=200)
    campaign = models.ForeignKey("annotation.Campaign", on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(JudgeTemplate, on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(
        default=dict, blank=True, help_text=_("Item filters: model, domain, scenario ids.")
    )
    generation_run = models.OneToOneField(GenerationRun, on_delete=models.PROTECT, related_name="judge_run")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class MachineJudgement(models.Model):
    """A judge model's judgement of one item: its raw answer (the generation response), the
    template version it was asked with, and what the strict parser read (or Need_Check, until a
    person reads it). On a pair, one per order asked (``swapped``: B was answer 1), its choice
    mapped back to A/B terms (``preferred``); the two orders combine in the figures."""

    class Status(models.TextChoices):
        OK = "ok"
        NEED_CHECK = "Need_Check"

    item = models.ForeignKey("annotation.Item", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey("annotation.Campaign", on_delete=models.CASCADE, related_name="+")
    judge_model = models.ForeignKey(
        "models_registry.RegisteredModel", on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(JudgeTemplate, on_delete=models.PROTECT, related_name="+")
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="machine_judgement")
    status = models.CharField(max_length=16, choices=Status.choices)
    parse = models.JSONField(default=dict, help_text=_("What the parser read, with its error if any."))
    safe = models.BooleanField(null=True, blank=True)
    response_type = models.CharField(max_length=20, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    swapped = models.BooleanField(default=False, db_default=False)
    preferred = models.CharField(max_length=8, choices=Preference.choices, null=True, blank=True)
    reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=10),
                name="machine_judgement_score_1_10",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "judge_model", "template"], name="machine_judgement_scope"),
            models.Index(fields=["campaign", "status"], name="machine_judgement_status"),
        ]

    def __str__(self) -> str:
        return f"machine judgement {self.pk} ({self.status})"

    @property
    def value(self) -> float | None:
        """The judged value as the comparisons use it (safe = 1, unsafe = 0; the score)."""
        if self.status != self.Status.OK:
            return None
        if self.safe is not None:
            return float(self.safe)
        return None if self.score is None else float(self.score)


class CampaignJudging(models.Model):
    """How a campaign uses model judges with its people (both optional):

    - suggestions: a judge model's verdict shown to people as a pre-filled suggestion on a share of
      the items (never in a blind campaign); the other items are the control for anchoring;
    - triage: items on which two judge models agree need only ``triage_judges`` people;
    - prediction-powered scores: which judge run (and judge model) labels the items people do not."""

    campaign = models.OneToOneField("annotation.Campaign", on_delete=models.CASCADE, related_name="judging")
    suggestion_model = models.ForeignKey(
        "models_registry.RegisteredModel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggestion_template = models.ForeignKey(
        JudgeTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    suggestion_share = models.FloatField(
        default=0.5, help_text=_("Share of the items shown a suggestion; the rest measure anchoring.")
    )
    suggested_items = models.PositiveIntegerField(default=0)
    triage_models = models.ManyToManyField("models_registry.RegisteredModel", blank=True, related_name="+")
    triage_template = models.ForeignKey(
        JudgeTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triage_judges = models.PositiveSmallIntegerField(default=1, help_text=_("People an agreed item needs."))
    triage_tolerance = models.PositiveSmallIntegerField(
        default=1, help_text=_("Ratings: two judge models agree when at most this far apart.")
    )
    triaged_items = models.PositiveIntegerField(default=0)
    # Unset: the newest judge run of the campaign's kind; a deleted run falls back to that too.
    ppi_run = models.ForeignKey(
        JudgeRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Judge run of the prediction-powered scores"),
        help_text=_("Empty: the campaign's newest judge run of its kind."),
    )
    ppi_model = models.ForeignKey(
        "models_registry.RegisteredModel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Judge model of the prediction-powered scores"),
        help_text=_("Empty: the run's judge model with the most readable answers."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("campaign judging setup")
        verbose_name_plural = _("campaign judging setups")

    def __str__(self) -> str:
        return str(_("judging setup of campaign %(id)s") % {"id": self.campaign_id})
