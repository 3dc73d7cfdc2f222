"""Where prompt sets are made: authoring campaigns (attacks on live models, experts' prompts and
answers, collections), the conversations of an attack, submissions and their review.

An accepted submission becomes a Prompt of the campaign's prompt set (a conversation when it has
earlier turns) with its provenance in Prompt.metadata; an accepted attack's final answer becomes a
Response of the campaign's attack run (a GenerationRun whose answers came from the authors'
conversations), so that a judging campaign following that run judges it blind, like any other.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from models_registry.models import GenerationRun, RegisteredModel, Response
from prompts.models import Domain, Level, Prompt, PromptSet, Scenario


class AuthoringCampaign(models.Model):
    class Kind(models.TextChoices):
        ATTACK = "attack", _("Attack: write prompts that make a model produce harmful content")
        EXPERT = "expert", _("Expert prompts: a prompt and, optionally, a reference answer")
        COLLECTION = "collection", _("Collection: prompts for a domain or scenario")
        EXPERT_ANSWERS = "expert_answers", _("Expert answers: reference answers to given prompts")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("status", "Draft")
        OPEN = "open", pgettext_lazy("status", "Open")
        PAUSED = "paused", pgettext_lazy("status", "Paused")
        CLOSED = "closed", pgettext_lazy("status", "Closed")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    instructions = models.TextField(blank=True, help_text=_("Markdown; rendered through a sanitiser."))
    domain = models.ForeignKey(
        Domain,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Expert prompts and collections: the domain the prompts are for."),
    )
    prompt_set = models.OneToOneField(
        PromptSet,
        on_delete=models.PROTECT,
        related_name="authoring_campaign",
        help_text=_("Where accepted prompts go."),
    )
    targets = models.ManyToManyField(
        RegisteredModel, blank=True, related_name="+", help_text=_("Attack: the models authors attack.")
    )
    targets_shown = models.BooleanField(
        default=False, help_text=_("Attack: authors see which model they attack (hidden by default).")
    )
    attack_run = models.OneToOneField(
        GenerationRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Attack: holds the final answers of accepted attacks, for judges to judge."),
    )
    max_turns = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Attack: the turns an author may write in one conversation."),
    )
    quota_per_person = models.PositiveIntegerField(
        default=20, validators=[MinValueValidator(1)], help_text=_("Prompts one person may submit.")
    )
    quota_total = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(1)], help_text=_("Prompts the campaign accepts in all.")
    )
    pay_per_accepted = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0"), help_text=_("Pay per accepted prompt.")
    )
    currency = models.CharField(max_length=8, default="GBP")
    content_warning = models.TextField(blank=True, help_text=_("Shown once before an author starts."))
    break_after_minutes = models.PositiveSmallIntegerField(
        default=30, help_text=_("Suggest a break after this many minutes of work (0: never).")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("authoring campaign")
        verbose_name_plural = _("authoring campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class AuthorScope(models.Model):
    """An account that may write in one campaign only, up to its own quota: a crowd platform's
    participant, made when they enter through a crowd link (annotation/crowd.py, which is
    downstream and so fills this in rather than being asked). Once the author's part is done, the
    pages send them to finish_url, the end page with the platform's completion code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_scope"
    )
    campaign = models.ForeignKey(AuthoringCampaign, on_delete=models.CASCADE, related_name="scoped_authors")
    quota = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    finish_url = models.CharField(max_length=500)

    class Meta:
        verbose_name = _("author scope")
        verbose_name_plural = _("author scopes")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.campaign_id}"


class AuthoringWarningSeen(models.Model):
    """An author acknowledged a campaign's content warning: every way in (the pages, the API) lets
    them write there from then on."""

    campaign = models.ForeignKey(AuthoringCampaign, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("content warning acknowledgement")
        verbose_name_plural = _("content warning acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="authoring_warning_seen_unique"),
        ]

    def __str__(self) -> str:
        return f"content warning of authoring campaign {self.campaign_id} seen by user {self.user_id}"


class ScenarioBrief(models.Model):
    """What an attack campaign asks for under one risk scenario: a description, examples, a quota."""

    campaign = models.ForeignKey(AuthoringCampaign, on_delete=models.CASCADE, related_name="briefs")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    examples = models.TextField(blank=True, help_text=_("Example attacks, one per line."))
    quota = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(1)], help_text=_("Prompts accepted under this scenario.")
    )

    class Meta:
        verbose_name = _("scenario brief")
        verbose_name_plural = _("scenario briefs")
        ordering = ["campaign_id", "scenario__slug"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "scenario"], name="brief_unique_scenario"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.scenario_id}"


class Conversation(models.Model):
    """One attack: an author's turns and a target model's live answers, up to max_turns."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        SUBMITTED = "submitted", pgettext_lazy("status", "Submitted")
        ABANDONED = "abandoned", pgettext_lazy("status", "Abandoned")

    campaign = models.ForeignKey(AuthoringCampaign, on_delete=models.CASCADE, related_name="conversations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attack conversation")
        verbose_name_plural = _("attack conversations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["campaign", "author", "status"], name="conversation_author_status")]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Turn(models.Model):
    """An author's message and the target's answer, streamed. `request_key` makes a resent turn
    (two tabs, a double click, a retry after a broken stream) one request, not two."""

    class Status(models.TextChoices):
        STREAMING = "streaming", pgettext_lazy("status", "Streaming")
        DONE = "done", pgettext_lazy("status", "Done")
        BROKEN = "broken", pgettext_lazy("status", "Broken")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    position = models.PositiveSmallIntegerField()
    request_key = models.UUIDField(default=uuid.uuid4, unique=True)
    text = models.TextField()
    answer = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STREAMING)
    error = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=32, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    key_redacted = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("turn")
        verbose_name_plural = _("turns")
        ordering = ["conversation_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "position"], name="turn_unique_position"),
        ]

    def __str__(self) -> str:
        return f"turn {self.position} of conversation {self.conversation_id}"


class GivenPrompt(models.Model):
    """A prompt an expert-answers campaign asks experts to answer: one a model answered worst in
    its domain (started from the results), with that answer and its final responsibility score,
    which a DPO export pairs with the expert's answer as the rejected one."""

    campaign = models.ForeignKey(AuthoringCampaign, on_delete=models.CASCADE, related_name="given_prompts")
    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(help_text=_("The answer's final responsibility score."))
    # The order experts are offered the prompts in: by domain, lowest score first.
    position = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("given prompt")
        verbose_name_plural = _("given prompts")
        ordering = ["campaign_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "prompt"], name="given_prompt_unique_prompt"),
            models.UniqueConstraint(fields=["campaign", "position"], name="given_prompt_unique_position"),
        ]

    def __str__(self) -> str:
        return f"prompt {self.prompt_id} given in authoring campaign {self.campaign_id}"


class Submission(models.Model):
    """What an author hands in for review: a prompt (a conversation's last turn after its earlier
    turns), and for an attack the author's own label of the last answer, which is never a judgement."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("status", "Waiting for review")
        ACCEPTED = "accepted", pgettext_lazy("status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("status", "Rejected")

    campaign = models.ForeignKey(AuthoringCampaign, on_delete=models.CASCADE, related_name="submissions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The form's own key: a double submit or a second tab stores one submission.
    submit_key = models.UUIDField(unique=True)
    text = models.TextField(help_text=_("The prompt; in a conversation, its last user turn."))
    messages = models.JSONField(default=list, blank=True, help_text=_("A conversation's earlier turns."))
    reference_answer = models.TextField(blank=True)
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conversation = models.OneToOneField(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="submission"
    )
    target = models.ForeignKey(
        RegisteredModel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    final_answer = models.TextField(blank=True, help_text=_("Attack: the target's last answer."))
    author_says_harmful = models.BooleanField(
        null=True, blank=True, help_text=_("Attack: the author's own label of the last answer.")
    )
    text_hash = models.CharField(
        max_length=64, db_index=True, help_text=_("sha256 of the normalised prompt.")
    )
    # How the text was written, as evidence for the reviewer: characters typed and pasted, time
    # spent typing (the page measures; input methods commit text without pasting).
    provenance = models.JSONField(default=dict, blank=True)
    near_duplicates = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reject_reason = models.TextField(blank=True)
    edited = models.BooleanField(
        default=False, help_text=_("A reviewer changed the text before accepting it.")
    )
    original_text = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    prompt = models.OneToOneField(
        Prompt, null=True, blank=True, on_delete=models.SET_NULL, related_name="submission"
    )
    given = models.ForeignKey(
        GivenPrompt,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
        help_text=_("Expert answers: the given prompt this submission answers."),
    )
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="submission"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["campaign", "status"], name="submission_campaign_status"),
            models.Index(fields=["campaign", "author"], name="submission_campaign_author"),
        ]
        constraints = [
            # One answer per given prompt and expert (a rejected one frees the place).
            models.UniqueConstraint(
                fields=["given", "author"],
                condition=~models.Q(status="rejected"),
                name="submission_one_answer_per_given_prompt",
            ),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} ({self.status})"


class ShingleBand(models.Model):
    """Locality-sensitive hashing of accepted prompts: one row per band of a prompt's MinHash
    signature. Two prompts sharing a band are candidates; their signatures estimate how alike they
    are. Kept in the database so every web process sees the same index."""

    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="+")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="+")
    band = models.PositiveSmallIntegerField()
    band_hash = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["prompt_set", "band", "band_hash"], name="shingle_band_lookup")]

    def __str__(self) -> str:
        return f"band {self.band} of prompt {self.prompt_id}"


class PromptSignature(models.Model):
    """A prompt's MinHash signature (the estimate of its similarity to a candidate)."""

    prompt = models.OneToOneField(Prompt, on_delete=models.CASCADE, primary_key=True, related_name="+")
    signature = models.BinaryField()

    def __str__(self) -> str:
        return f"signature of prompt {self.prompt_id}"
