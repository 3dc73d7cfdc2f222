"""Benchmark content: prompt sets, prompts, domains, risk scenarios, multi-choice items, reference pairs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from prompts.importing.readers import import_problem_shown


class Level(models.TextChoices):
    SAFETY = "safety", _("Level 1: safety")
    RESPONSIBILITY = "responsibility", _("Level 2: responsibility")


def bilingual_name(name_en: str, name_zh: str) -> str:
    """The name in the language of the page: Chinese when the page is Chinese and there is one."""
    if name_zh and (translation.get_language() or "").startswith("zh"):
        return name_zh
    return name_en


class Domain(models.Model):
    """A responsibility domain judged by experts of that field (CValues has 8)."""

    slug = models.SlugField(max_length=64, unique=True, help_text=_("As in CValues' domain_en."))
    name_en = models.CharField(max_length=128)
    name_zh = models.CharField(max_length=128, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual_name(self.name_en, self.name_zh)


class Scenario(models.Model):
    """A safety risk scenario of Level 1 (CValues has 10; the names stay editable)."""

    slug = models.SlugField(max_length=64, unique=True)
    name_en = models.CharField(max_length=128)
    name_zh = models.CharField(max_length=128, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name = _("risk scenario")
        verbose_name_plural = _("risk scenarios")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual_name(self.name_en, self.name_zh)


class PromptSetQuerySet(models.QuerySet["PromptSet"]):
    def visible(self) -> PromptSetQuerySet:
        """The sets a person chooses from, lists and browses: every set but the hidden ones."""
        return self.filter(hidden=False)


class PromptSet(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    source = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Where the content comes from (paper, repository, team)."),
    )
    license = models.CharField(max_length=200, blank=True)
    hidden = models.BooleanField(
        default=False,
        verbose_name=_("hidden"),
        help_text=_(
            "Carries evaluation's questions to models (multi-choice, model judges): listed in no "
            "form or page, and never judged by people."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PromptSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("prompt set")
        verbose_name_plural = _("prompt sets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Prompt(models.Model):
    """One prompt sent to the models under test."""

    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="prompts")
    external_id = models.CharField(
        max_length=200, help_text=_("The id in the source file; a content hash when it has none.")
    )
    level = models.CharField(max_length=20, choices=Level.choices)
    domain = models.ForeignKey(
        Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="prompts"
    )
    scenario = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.PROTECT, related_name="prompts"
    )
    source = models.CharField(max_length=64, help_text=_("The importer format that brought it in."))
    text = models.TextField(help_text=_("The prompt; in a conversation, its last user turn."))
    messages = models.JSONField(
        default=list,
        # Also the database's default: the benchmarks and bulk loaders insert prompts with SQL.
        db_default=models.Value([], output_field=models.JSONField()),
        blank=True,
        help_text=_(
            "A conversation's earlier turns, before the last user turn (text): a list of "
            '{"role": "system" | "user" | "assistant", "content": "…"}; empty for a single prompt.'
        ),
    )
    reference_answer = models.TextField(
        blank=True, help_text=_("An expert-written or expert-approved answer (100PoisonMpts).")
    )
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("prompt")
        verbose_name_plural = _("prompts")
        ordering = ["prompt_set_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt_set", "external_id"], name="prompt_unique_external_id"),
        ]
        indexes = [models.Index(fields=["prompt_set", "level", "domain"], name="prompt_set_level_domain")]

    def __str__(self) -> str:
        return f"{self.prompt_set_id}:{self.external_id}"

    def conversation(self) -> list[dict[str, str]]:
        """What a model is asked: the earlier turns, then the last user turn."""
        return [*self.messages, {"role": "user", "content": self.text}]


# The sources of the prompts in hidden sets (PromptSet.hidden): the prompts that carry multi-choice
# items through generation runs, and those that ask a judge model about a campaign item.
MULTI_CHOICE_PROMPT_SOURCE = "multi_choice"
JUDGE_PROMPT_SOURCE = "model_judge"


class MultiChoiceItem(models.Model):
    """A CValues multi-choice item: which of two replies is better for safety and responsibility."""

    class Label(models.TextChoices):
        REPLY_1 = "回复1", _("回复1 (reply 1)")
        REPLY_2 = "回复2", _("回复2 (reply 2)")

    class Difficulty(models.TextChoices):
        EASY = "easy", _("easy (negative rewritten by ChatGPT)")
        HARD = "hard", _("hard (negative is a reply the expert rejected)")

    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="multi_choice_items")
    external_id = models.CharField(max_length=200, help_text=_("sha256 of the item's prompt and label."))
    pair_key = models.CharField(
        max_length=64,
        db_index=True,
        help_text=_("sha256 of (question, pos_resp, neg_resp): both option orders of a pair share it."),
    )
    prompt = models.TextField(help_text=_("The full multiple-choice prompt as CValues ships it."))
    label = models.CharField(max_length=8, choices=Label.choices)
    question = models.TextField()
    pos_resp = models.TextField()
    neg_resp = models.TextField()
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="multi_choice_items")
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("multi-choice item")
        verbose_name_plural = _("multi-choice items")
        ordering = ["prompt_set_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt_set", "external_id"], name="mc_item_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_set_id}:{self.external_id[:12]}"


class ResponseType(models.TextChoices):
    """How a response meets a request: the three CValues-Comparison types, best first, after a
    helpful answer to a harmless request (which has no CValues type). Safety judgements and
    reference pairs both store these codes; CValues files spell them in Chinese (see
    `CVALUES_COMPARISON_LABELS`)."""

    HELPFUL = "helpful", _("Helpful answer")
    REFUSAL_WITH_GUIDANCE = "refusal_guidance", _("Refusal with positive guidance (拒绝&正向建议)")
    BARE_REFUSAL = "bare_refusal", _("Bare refusal (拒绝为主)")
    RISKY = "risky", _("Risky answer (风险回复)")


# The CValues-Comparison files' pos_type / neg_type labels, best first.
CVALUES_COMPARISON_LABELS: dict[str, str] = {
    ResponseType.REFUSAL_WITH_GUIDANCE: "拒绝&正向建议",
    ResponseType.BARE_REFUSAL: "拒绝为主",
    ResponseType.RISKY: "风险回复",
}


class ReferencePair(models.Model):
    """A CValues-Comparison preference pair: a better and a worse response to one prompt."""

    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="reference_pairs")
    external_id = models.CharField(max_length=200, help_text=_("sha256 of prompt, pos_resp and neg_resp."))
    prompt = models.TextField()
    pos_resp = models.TextField()
    neg_resp = models.TextField()
    pos_type = models.CharField(max_length=16, choices=ResponseType.choices)
    neg_type = models.CharField(max_length=16, choices=ResponseType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reference pair")
        verbose_name_plural = _("reference pairs")
        ordering = ["prompt_set_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prompt_set", "external_id"], name="pair_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_set_id}:{self.external_id[:12]}"


class ImportFormat(models.TextChoices):
    CVALUES_RESPONSIBILITY = "cvalues_responsibility", _("CValues responsibility prompts (JSONL)")
    CVALUES_MULTI_CHOICE = "cvalues_mc", _("CValues multi-choice (JSONL)")
    CVALUES_COMPARISON = "cvalues_comparison", _("CValues-Comparison pairs (JSONL)")
    POISON_100 = "100poison", _("100PoisonMpts (JSONL)")
    GENERIC_JSONL = "generic_jsonl", _("Generic JSONL with a column mapping")
    GENERIC_CSV = "generic_csv", _("Generic CSV with a column mapping")
    OPENAI_MESSAGES = "openai_messages", _("Conversations in OpenAI's messages layout (JSONL)")
    ANTHROPIC_RED_TEAM = "anthropic_red_team", _("Anthropic red-team attempts (hh-rlhf, JSON or JSONL)")


class ImportJob(models.Model):
    """An uploaded file imported by a worker, so no web request waits on a big file."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("status", "Pending")
        RUNNING = "running", pgettext_lazy("status", "Running")
        SUCCEEDED = "succeeded", pgettext_lazy("status", "Succeeded")
        FAILED = "failed", pgettext_lazy("status", "Failed")

    # Empty while an import into a new set waits: the worker creates the set (new_set_name) in the
    # import's transaction, so a failed import leaves no empty set behind.
    prompt_set = models.ForeignKey(
        PromptSet, null=True, blank=True, on_delete=models.CASCADE, related_name="import_jobs"
    )
    new_set_name = models.CharField(max_length=200, blank=True)
    format = models.CharField(max_length=32, choices=ImportFormat.choices)
    mapping = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    lines_read = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.set_name} ({self.status})"

    @property
    def set_name(self) -> str:
        return self.prompt_set.name if self.prompt_set_id else self.new_set_name

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def errors_shown(self) -> list[dict[str, object]]:
        """The stored problems with their messages in the reader's language."""
        return [import_problem_shown(problem) for problem in self.errors]


class PendingUpload(models.Model):
    """A file sent with an import form that came back with an error, kept for the retry: a browser
    cannot refill a file input, so the form names this upload instead. Gone once imported, and a
    day after it was sent."""

    # Random: the form carries it, and only its sender may use it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to="imports/pending/")
    original_name = models.CharField(max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pending upload {self.original_name}"
