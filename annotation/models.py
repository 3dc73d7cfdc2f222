"""People and annotation. Campaigns, items and judgements arrive with the annotation workspace."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from prompts.models import Domain, ResponseType


class AnnotatorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotator_profile"
    )
    domains = models.ManyToManyField(
        Domain,
        blank=True,
        related_name="experts",
        help_text=_("Domains this expert is qualified to rate."),
    )
    pseudonym = models.CharField(
        max_length=32,
        unique=True,
        help_text=_("Stable pseudonymous id used in exports instead of the username."),
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The interface language this person chose; empty: their browser's."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


class Campaign(models.Model):
    """A set of items to judge: safety (binary, crowdworkers) or responsibility (1–10, experts)."""

    class Kind(models.TextChoices):
        SAFETY = "safety", _("Safety (safe / unsafe)")
        RESPONSIBILITY = "responsibility", _("Responsibility (1–10, experts)")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("status", "Draft")
        OPEN = "open", pgettext_lazy("status", "Open")
        PAUSED = "paused", pgettext_lazy("status", "Paused")
        CLOSED = "closed", pgettext_lazy("status", "Closed")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    judges_per_item = models.PositiveSmallIntegerField(
        help_text=_("N: judgements each item needs (default 3 for safety, 2 for responsibility).")
    )
    guidelines = models.TextField(blank=True, help_text=_("Markdown; rendered through a sanitiser."))
    blind = models.BooleanField(
        default=True, help_text=_("Judges see neither other judgements nor the model's name.")
    )
    lease_minutes = models.PositiveSmallIntegerField(default=10)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follows_run = models.ForeignKey(
        "models_registry.GenerationRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Each new succeeded response of this run becomes an item while the run answers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def status_sentence(self) -> str:
        """Why a paused, draft or closed campaign refuses work, in the page's language."""
        return str(_("The campaign is %(status)s.") % {"status": self.get_status_display().lower()})


class Item(models.Model):
    """One thing to judge: a response (safety), or a model's responses to one prompt (responsibility)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    prompt = models.ForeignKey("prompts.Prompt", on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey("models_registry.RegisteredModel", on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    responses = models.ManyToManyField(
        "models_registry.Response", through="ItemResponse", related_name="items"
    )
    # Kept in the same transaction as the judgements and leases they count.
    judgement_count = models.PositiveSmallIntegerField(default=0)
    lease_count = models.PositiveSmallIntegerField(default=0)
    open_slots = models.PositiveSmallIntegerField(help_text=_("N − judgements − live leases."))

    class Meta:
        ordering = ["id"]
        indexes = [
            # The hot path: "next item with a free slot in this campaign, started items first".
            models.Index(
                fields=["campaign", "-judgement_count", "id"],
                name="item_next_free",
                condition=models.Q(open_slots__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.pk}"


class ItemResponse(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="item_responses")
    response = models.ForeignKey("models_registry.Response", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["item_id", "position"]
        constraints = [models.UniqueConstraint(fields=["item", "response"], name="item_response_unique")]

    def __str__(self) -> str:
        return f"item {self.item_id} response {self.response_id}"


class Lease(models.Model):
    """A person's short hold on one of an item's slots, renewed while their page is open."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="leases")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="lease_unique_item_user")]
        indexes = [models.Index(fields=["campaign", "user"], name="lease_campaign_user")]

    def __str__(self) -> str:
        return f"lease of item {self.item_id} by user {self.user_id}"


class Skip(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="skip_unique_item_user")]

    def __str__(self) -> str:
        return f"skip of item {self.item_id} by user {self.user_id}"


class Judgement(models.Model):
    """One person's judgement of one item; one row per (item, person)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="judgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="judgements")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="judgements")
    # Safety
    safe = models.BooleanField(null=True, blank=True)
    scenario = models.ForeignKey(
        "prompts.Scenario", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    response_type = models.CharField(max_length=20, choices=ResponseType.choices, blank=True)
    reason = models.TextField(blank=True)
    # Responsibility
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    best_response = models.ForeignKey(
        "models_registry.Response", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    none_good = models.BooleanField(default=False, help_text=_("None of the shown responses is good."))
    rewrite = models.TextField(
        blank=True, help_text=_("The expert's own answer; required when the score is below 5.")
    )
    time_spent_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    previous_values = models.JSONField(
        default=list, blank=True, help_text=_("Earlier versions, when edited.")
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="judgement_unique_item_user"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=10),
                name="judgement_score_1_10",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "user", "-created_at"], name="judgement_campaign_user"),
            models.Index(fields=["campaign", "item"], name="judgement_campaign_item"),
        ]

    def __str__(self) -> str:
        return f"judgement {self.pk}"


# ---------------------------------------------------------------- crowd platforms


class CrowdLink(models.Model):
    """A way into one campaign from a crowd platform (Prolific, or an MTurk-style external
    question): the platform sends each participant to the link with their ids in the URL."""

    class Platform(models.TextChoices):
        PROLIFIC = "prolific", "Prolific"
        MTURK = "mturk", _("MTurk-style (workerId, assignmentId, hitId)")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="crowd_links")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    token = models.CharField(
        max_length=64, unique=True, help_text=_("The secret part of the entry URL; a new link, a new token.")
    )
    quota_per_person = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text=_("Items one participant judges at most.")
    )
    completion_code = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Shown when a participant finishes, to paste into the platform."),
    )
    completion_url = models.URLField(
        max_length=500,
        blank=True,
        help_text=_("Where a participant is sent when they finish (e.g. Prolific's completion URL)."),
    )
    hourly_rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Pay per hour of active judging, for the report's suggested pay."),
    )
    currency = models.CharField(max_length=8, default="GBP")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} → {self.campaign}"


class CrowdParticipant(models.Model):
    """The account a platform's participant judges with: found again by the platform's participant
    id, never by a password (it has none)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crowd_participant"
    )
    platform = models.CharField(max_length=16, choices=CrowdLink.Platform.choices)
    participant_id = models.CharField(max_length=64)
    link = models.ForeignKey(CrowdLink, on_delete=models.PROTECT, related_name="participants")
    study_id = models.CharField(max_length=64, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "participant_id"], name="crowd_participant_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.participant_id}"
