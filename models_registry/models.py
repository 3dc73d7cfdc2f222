"""Models under test, generation runs and the responses they bring in."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.jobs import ClaimedJob
from models_registry.providers import API_KEY_ENV_PREFIX
from prompts.models import Domain, Level, Prompt, PromptSet, Scenario

# Keys are read only from variables with this prefix: a model pointed at any server must not be
# able to send it SECRET_KEY, DATABASE_URL or any other variable of the worker.
API_KEY_ENV_NAME = RegexValidator(
    rf"^{API_KEY_ENV_PREFIX}[A-Z0-9_]+$",
    format_lazy(
        _("The name of an environment variable starting with {prefix}, e.g. {prefix}OPENAI."),
        prefix=API_KEY_ENV_PREFIX,
    ),
)


def canonical_hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class RegisteredModel(models.Model):
    class Provider(models.TextChoices):
        OPENAI_COMPATIBLE = "openai_compatible", _("OpenAI-compatible chat completions")

    name = models.SlugField(
        max_length=100, unique=True, help_text=_("Registry key, e.g. qwen2-5-coder-0-5b-local.")
    )
    display_name = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=32, choices=Provider.choices, default=Provider.OPENAI_COMPATIBLE)
    base_url = models.URLField(max_length=500, help_text=_("Ends in /v1, e.g. http://127.0.0.1:8089/v1."))
    model_id = models.CharField(max_length=200, help_text=_('The value sent as "model" in each request.'))
    api_key_env = models.CharField(
        max_length=100,
        blank=True,
        validators=[API_KEY_ENV_NAME],
        help_text=format_lazy(
            _(
                "NAME of the environment variable that holds the API key, starting with {prefix} "
                "(e.g. VALUELENS_KEY_OPENAI); the key itself is never stored."
            ),
            prefix=API_KEY_ENV_PREFIX,
        ),
    )
    system_prompt = models.TextField(blank=True)
    temperature = models.FloatField(default=0.7, validators=[MinValueValidator(0.0)])
    top_p = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    max_tokens = models.PositiveIntegerField(
        default=2048,
        validators=[MinValueValidator(1)],
        help_text=_(
            "The longest answer, in tokens; a longer one is cut short and marked truncated. "
            "Many CValues answers need more than 512."
        ),
    )
    seed = models.BigIntegerField(
        null=True, blank=True, help_text=_("Sample k of a prompt is sent with seed + k, so samples differ.")
    )
    stop = models.JSONField(default=list, blank=True, help_text=_('A list of stop strings, e.g. ["\\n\\n"].'))
    samples_per_prompt = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    timeout_s = models.PositiveIntegerField(default=120, validators=[MinValueValidator(1)])
    max_retries = models.PositiveSmallIntegerField(default=3)
    max_concurrency = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1)],
        help_text=_("Requests in flight at once, across all workers."),
    )
    price_in_per_1m = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    price_out_per_1m = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What a person sets when registering a model: the page's form and the API's serializer.
    EDITABLE_FIELDS = (
        "name",
        "display_name",
        "provider",
        "base_url",
        "model_id",
        "api_key_env",
        "system_prompt",
        "temperature",
        "top_p",
        "max_tokens",
        "seed",
        "stop",
        "samples_per_prompt",
        "timeout_s",
        "max_retries",
        "max_concurrency",
        "price_in_per_1m",
        "price_out_per_1m",
        "is_active",
        "notes",
    )

    class Meta:
        verbose_name = _("registered model")
        verbose_name_plural = _("registered models")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name or self.name

    def generation_params(self) -> dict[str, Any]:
        """Everything that shapes an answer; its hash is part of a response's unique key."""
        return {
            "provider": self.provider,
            "base_url": self.base_url.rstrip("/"),
            "model": self.model_id,
            "system_prompt": self.system_prompt,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stop": list(self.stop or []),
        }

    def params_hash(self) -> str:
        return canonical_hash(self.generation_params())

    def cost_of(self, prompt_tokens: int, completion_tokens: int) -> Decimal | None:
        if self.price_in_per_1m is None and self.price_out_per_1m is None:
            return None
        cost = Decimal(prompt_tokens) * (self.price_in_per_1m or 0) + Decimal(completion_tokens) * (
            self.price_out_per_1m or 0
        )
        return cost / Decimal(1_000_000)


class GenerationRunQuerySet(models.QuerySet["GenerationRun"]):
    def visible(self) -> GenerationRunQuerySet:
        """Runs over sets people see: a person builds a campaign on them. The runs that ask
        evaluation's questions (over hidden sets) have nothing for people to judge."""
        return self.filter(prompt_set__hidden=False)


class GenerationRun(ClaimedJob):
    """Models × prompts × samples to generate. Its claim is held by the delivery adding its
    generations while it is PREPARING (a judge run's items, on a worker)."""

    class Status(models.TextChoices):
        # Its generations are still being added (a judge run's, on a worker); they are fetched
        # meanwhile, and the run finishes only once it is complete.
        PREPARING = "preparing", pgettext_lazy("status", "Preparing")
        RUNNING = "running", pgettext_lazy("status", "Running")
        CANCELLED = "cancelled", pgettext_lazy("status", "Cancelled")
        FINISHED = "finished", pgettext_lazy("status", "Finished")

    name = models.CharField(max_length=200)
    prompt_set = models.ForeignKey(PromptSet, on_delete=models.PROTECT, related_name="generation_runs")
    level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    samples_per_prompt = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Empty: each model's own.")
    )
    target_models = models.ManyToManyField(RegisteredModel, related_name="runs")
    # A response another run already fetched with the same parameters is shared, not fetched again.
    responses = models.ManyToManyField("Response", related_name="runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = GenerationRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("generation run")
        verbose_name_plural = _("generation runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Response(ClaimedJob):
    """One sample of one model's answer to one prompt; unique, so a retried task stores it once.
    Claimed by the delivery that fetches it; its heartbeat is renewed while the row waits for a
    slot or its request is in flight."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("status", "Pending")
        RUNNING = "running", pgettext_lazy("status", "Running")
        SUCCEEDED = "succeeded", pgettext_lazy("status", "Succeeded")
        FAILED = "failed", pgettext_lazy("status", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("status", "Cancelled")

    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="responses")
    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="responses")
    params_hash = models.CharField(max_length=64)
    sample_index = models.PositiveSmallIntegerField(default=0)
    params_snapshot = models.JSONField(default=dict)
    request_hash = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    text = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=32, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_kind = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    # The answer (or the error) repeated the request's own API key, which was replaced before it
    # was stored. A database default too: the benchmarks write rows with SQL of their own.
    key_redacted = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a task for it was last queued: a row still unclaimed long after, with the broker's
    # queue empty, was lost with a task that a dead worker had received but not started.
    queued_at = models.DateTimeField(null=True, blank=True)
    # When its request was sent: a row waiting for a slot has none yet.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "model", "params_hash", "sample_index"], name="response_unique_generation"
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="response_status"),
            models.Index(fields=["model", "status"], name="response_model_status"),
            # The reconcile task's look for silent holders, every few seconds.
            models.Index(
                fields=["heartbeat_at"],
                name="response_held_heartbeat",
                condition=models.Q(status__in=["pending", "running"]) & ~models.Q(claim=""),
            ),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} ({self.status})"
