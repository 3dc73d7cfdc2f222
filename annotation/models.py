"""Annotation: campaigns, their items, judgements, leases, quality checks and crowd links."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from authoring.models import AuthoringCampaign
from prompts.models import Domain, Level, ResponseType


class Judging(models.TextChoices):
    """How a campaign's items are judged: one answer at a time (a verdict or a score), or two answers
    to the same prompt side by side (which is better). Beside the level: a pairwise campaign still
    judges safety or responsibility prompts, with the level's judges and domains."""

    ABSOLUTE = "absolute", _("One answer at a time")
    PAIRWISE = "pairwise", _("Pairwise: two answers side by side")


class PairPlan(models.TextChoices):
    """Which models a pairwise campaign sets against each other, on every prompt both answered."""

    ALL_PAIRS = "all_pairs", _("Every pair of the chosen models")
    AGAINST_REFERENCE = "against_reference", _("Each chosen model against a reference model")


class Preference(models.TextChoices):
    """A pairwise judgement, always in terms of the item's answers A and B (never left or right: the
    judge's sides are the lease's ``a_on_left``)."""

    A = "a", _("A is better")
    B = "b", _("B is better")
    TIE = "tie", _("Tie")
    BOTH_BAD = "both_bad", _("Both are bad")


class Strength(models.TextChoices):
    SLIGHTLY = "slightly", _("Slightly")
    CLEARLY = "clearly", _("Clearly")


class Campaign(models.Model):
    """A set of items to judge: safety (binary, crowdworkers) or responsibility (1–10, experts);
    either one answer at a time or, ``judging_mode`` pairwise, two answers to one prompt side by side."""

    # The level a campaign judges: the prompts' own (one enum for prompts, campaigns and judge
    # templates). Kept under this name too: over a hundred lines spell it Campaign.Kind.
    Kind = Level

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
    min_seconds = models.PositiveSmallIntegerField(
        default=3,
        help_text=_("A judgement made faster than this is stored and flagged (default 3 s for safety)."),
    )
    seed = models.BigIntegerField(
        default=0,
        help_text=_("Seed of the random order in which the items are served (recorded to replay it)."),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Quality control (issue 13).
    gold_rate = models.FloatField(
        default=0.0, help_text=_("Share of the items served to a judge that are gold items (0 to 1).")
    )
    training = models.BooleanField(
        default=False, help_text=_("Training phase: show the explanation after each gold item.")
    )
    attention_every = models.PositiveSmallIntegerField(
        default=0, help_text=_("Serve an attention item every k items (0: never).")
    )
    failures_allowed = models.PositiveSmallIntegerField(
        default=0,
        help_text=_(
            "F: after F failures (gold or attention items answered wrongly, judgements under the "
            "minimum time) a judge is warned; one more and they are paused in this campaign (0: never)."
        ),
    )
    qualification_pass_mark = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Share of the qualification items a judge must get right before judging (empty: none)."),
    )
    qualification_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Reuse another campaign's qualification set and outcomes."),
    )
    adjudication_threshold = models.FloatField(
        default=1.0,
        help_text=_(
            "Items whose majority share is below this go to the adjudication queue (1: any disagreement)."
        ),
    )
    adjudication_sample = models.FloatField(
        default=0.02, help_text=_("Share of the other items sampled into the adjudication queue.")
    )
    judges_max = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Adaptive overlap (safety): items start with 2 slots and get up to this many on disagreement."
        ),
    )
    competence_min = models.FloatField(
        default=0.7, help_text=_("A judge whose competence or gold accuracy is below this is not competent.")
    )
    rating_bias_max = models.FloatField(
        default=1.5,
        help_text=_(
            "Ratings: flag an expert whose mean difference from the other experts is beyond ± this many points."
        ),
    )
    rating_spread_max = models.FloatField(
        default=2.5,
        help_text=_(
            "Ratings: flag an expert whose difference from the other experts varies more than this "
            "(standard deviation, in points)."
        ),
    )
    estimated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When a worker last changed the model estimates (Dawid–Skene labels) of its items."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follows_run = models.ForeignKey(
        "models_registry.GenerationRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Each new succeeded response of this run becomes an item while the run answers."),
    )
    # Judges' wellbeing (issue 16).
    content_warning = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_(
            "Show a content warning before a judge's first item; each judge acknowledges it once "
            "(on by default for safety campaigns)."
        ),
    )
    content_warning_text = models.TextField(
        blank=True,
        db_default="",
        help_text=_("What the items contain, added to the standard warning (optional)."),
    )
    # The break reminder's default, here only: the form, the API and campaign_create read it.
    BREAK_AFTER_MINUTES = 30
    break_after_minutes = models.PositiveSmallIntegerField(
        default=BREAK_AFTER_MINUTES,
        db_default=BREAK_AFTER_MINUTES,
        help_text=_("Suggest a break after this many minutes of active judging (0: never)."),
    )
    # Pairwise judging (issue 27): the pairs are made once, at creation (campaign_create).
    judging_mode = models.CharField(
        max_length=16, choices=Judging.choices, default=Judging.ABSOLUTE, db_default=Judging.ABSOLUTE
    )
    pair_plan = models.CharField(max_length=24, choices=PairPlan.choices, blank=True, db_default="")
    pair_reference = models.ForeignKey(
        "models_registry.RegisteredModel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Pairwise, against a reference: the model every other model is compared with."),
    )
    pair_side_safety = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_("Pairwise: judges also say whether each of the two answers is safe."),
    )
    active_sampling = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_(
            "Pairwise: serve first the pairs of models whose votes would narrow the ranking's "
            "intervals most (refreshed every minute from the votes so far)."
        ),
    )
    # Human sample (issue 28): people judge a uniform random sample of each model's items and a
    # judge model labels them all (prediction-powered scores, evaluation.figures). Both None: people
    # judge every item. annotation.human_sample draws it and holds the rules.
    human_sample_rate = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Share of each model's items that people judge, in (0, 1] (empty: all, or a count)."),
    )
    human_sample_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Items of each model that people judge, at least 1 (empty: all, or a rate)."),
    )
    human_sample_by_group = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_(
            "Draw the human sample within each risk scenario (safety) or domain (responsibility) "
            "of each model."
        ),
    )
    human_sample_seed = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=_("Seed of the human sample's draw (recorded to replay it)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        constraints = [
            # annotation.human_sample.human_sample_checked says it in words; this keeps it so.
            models.CheckConstraint(
                condition=models.Q(human_sample_rate__isnull=True)
                | models.Q(human_sample_count__isnull=True),
                name="campaign_human_sample_rate_or_count",
            ),
            models.CheckConstraint(
                condition=models.Q(human_sample_rate__isnull=True)
                | models.Q(human_sample_rate__gt=0, human_sample_rate__lte=1),
                name="campaign_human_sample_rate_share",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def pairwise(self) -> bool:
        return self.judging_mode == Judging.PAIRWISE

    @property
    def human_sample(self) -> bool:
        """Whether people judge only a sample of the items (the rest the judge model alone)."""
        return self.human_sample_rate is not None or self.human_sample_count is not None

    def status_sentence(self) -> str:
        """Why a paused, draft or closed campaign refuses work, in the page's language."""
        return str(_("The campaign is %(status)s.") % {"status": self.get_status_display().lower()})


class ItemPurpose(models.TextChoices):
    """What an item is for. Only regular items count in results; the others check the judges."""

    REGULAR = "regular", _("Regular")
    GOLD = "gold", _("Gold")
    ATTENTION = "attention", _("Attention check")
    QUALIFICATION = "qualification", _("Qualification")


# A gold, attention or qualification item is served to every judge, never N times: its free slots
# start here (the counters stay exact, as for any item), and the pick reads its purpose instead.
CHECK_ITEM_SLOTS = 30_000

# An adaptive-overlap item starts with two slots and closes only on two agreeing judges or more.
ADAPTIVE_MIN_JUDGEMENTS = 2


def item_complete(*, prefix: str = "", campaign: Campaign | None = None) -> models.Q:
    """When an item is complete: the one rule of the progress page, results, agreement, quality,
    judges and exports. ``prefix`` reaches the item from another model ("item__"); a known
    ``campaign`` spares the join to it.

    Fixed N: the item has its N judgements that count (``judgement_count`` leaves out voided
    ones and excluded judges), or the fewer that triage asked for (``judges_needed``). Adaptive
    overlap: at least two judgements, no free slot left to fill and nobody holding one (a free
    slot is the disagreement still waiting for another judge)."""
    count = f"{prefix}judgement_count__gte"
    adaptive = models.Q(
        **{f"{prefix}open_slots": 0, f"{prefix}lease_count": 0, count: ADAPTIVE_MIN_JUDGEMENTS}
    )
    n = models.Value(campaign.judges_per_item) if campaign else models.F(f"{prefix}campaign__judges_per_item")
    fixed = models.Q(**{count: Coalesce(models.F(f"{prefix}judges_needed"), n)})
    if campaign is not None:
        return adaptive if campaign.judges_max else fixed
    is_adaptive = f"{prefix}campaign__judges_max__isnull"
    return (models.Q(**{is_adaptive: True}) & fixed) | (models.Q(**{is_adaptive: False}) & adaptive)


class ItemQuerySet(models.QuerySet["Item"]):
    def for_people(self) -> ItemQuerySet:
        """The regular items people judge: in the campaign's human sample (every regular item of a
        campaign without one). Progress and completion count these; the others are the judge
        model's alone."""
        return self.filter(purpose=ItemPurpose.REGULAR, sampled=True)

    def complete(self, *, campaign: Campaign | None = None) -> ItemQuerySet:
        """Items that are complete (``item_complete``); with their ``campaign``, of that campaign only."""
        rows = self.filter(campaign=campaign) if campaign is not None else self
        return rows.filter(item_complete(campaign=campaign))


class Item(models.Model):
    """One thing to judge: a response (safety), or a model's responses to one prompt (responsibility),
    or, in a pairwise campaign, two models' answers to one prompt: response position 1 is answer A
    (of ``model``), position 2 answer B (of ``model_b``)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    prompt = models.ForeignKey("prompts.Prompt", on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey("models_registry.RegisteredModel", on_delete=models.PROTECT, related_name="+")
    # A pair item's model B, here so that rankings read both models without a join through the
    # responses. Not indexed: rankings scan a campaign's items anyway.
    model_b = models.ForeignKey(
        "models_registry.RegisteredModel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Indexed where set (responsibility items): a safety item's counters move twice per judgement,
    # and each move writes a new entry into every index of this table.
    domain = models.ForeignKey(
        Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    responses = models.ManyToManyField(
        "models_registry.Response", through="ItemResponse", related_name="items"
    )
    # Kept in the same transaction as the judgements and leases they count.
    judgement_count = models.PositiveSmallIntegerField(default=0)
    lease_count = models.PositiveSmallIntegerField(default=0)
    open_slots = models.PositiveSmallIntegerField(help_text=_("N − judgements − live leases."))
    # Changes only when the last slot is taken or one is freed again: the free-slot index's key.
    has_free_slot = models.GeneratedField(
        expression=models.Q(open_slots__gt=0), output_field=models.BooleanField(), db_persist=True
    )
    # Database defaults too: items are also written by one INSERT … SELECT (campaign_create).
    purpose = models.CharField(
        max_length=16,
        choices=ItemPurpose.choices,
        default=ItemPurpose.REGULAR,
        db_default=ItemPurpose.REGULAR,
    )
    # The known answer of a gold, attention or qualification item.
    gold_safe = models.BooleanField(null=True, blank=True)
    gold_response_types = models.JSONField(
        default=list, db_default=[], blank=True, help_text=_("Accepted response types (empty: any).")
    )
    gold_score_min = models.PositiveSmallIntegerField(null=True, blank=True)
    gold_score_max = models.PositiveSmallIntegerField(null=True, blank=True)
    # A pair's known better side (A, B, tie or both bad), for gold and attention pairs.
    gold_preferred = models.CharField(
        max_length=8, choices=Preference.choices, blank=True, db_default="", default=""
    )
    gold_explanation = models.TextField(
        blank=True, db_default="", help_text=_("Shown after the item in a training phase.")
    )
    # The Dawid–Skene label a worker estimated from every judgement of the campaign (safety); a
    # tied item takes it as its final value. Never computed on the request path.
    estimate_safe = models.BooleanField(null=True, blank=True)
    # Random, drawn from the campaign's seed: items are created ordered by prompt and model, and
    # serving them in that order would give the models away and anchor each judgement on the last.
    position = models.BigIntegerField(default=0)
    judges_needed = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Set by triage when two judge models agree: fewer people than the campaign's N."),
    )
    suggestion = models.JSONField(
        null=True,
        blank=True,
        help_text=_(
            "A model's judgement shown to judges as a pre-filled suggestion (never in blind campaigns)."
        ),
    )

    # In the campaign's human sample (or the campaign draws none): people may get it. An item
    # outside it is never served to people; only a judge model labels it. Changes only when the
    # sample is drawn, never on the judging path.
    sampled = models.BooleanField(
        default=True,
        db_default=True,
        help_text=_("People judge this item (it is in the campaign's human sample, or there is none)."),
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["id"]
        indexes = [
            # The hot path: "next item with a free slot in this campaign, started items first,
            # then in the campaign's random order".
            models.Index(
                fields=["campaign", "purpose", "-judgement_count", "position"],
                name="item_next_free",
                # Not "open_slots > 0": a lease that leaves a slot free moves open_slots and
                # lease_count only, and with no index on them (and room left on each page,
                # migration 0013) PostgreSQL updates the row in place (HOT) instead of adding an
                # entry to each of the table's indexes.
                condition=models.Q(has_free_slot=True, sampled=True),
            ),
            models.Index(fields=["domain"], name="item_domain", condition=models.Q(domain__isnull=False)),
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

    @classmethod
    def counted_for(cls, item: str = "item_id") -> models.Subquery:
        """The response an item counts for, as a subquery on the outer query's ``item`` column: its
        first. A best-of-N item counts once, for that response; a response judged in several
        campaigns is then one unit whose judgements pool."""
        first = cls.objects.filter(item_id=models.OuterRef(item), position=1)
        return models.Subquery(first.values("response_id")[:1])


class Lease(models.Model):
    """A person's short hold on one of an item's slots, renewed while their page is open."""

    # Every lease is written and deleted on the judging hot path: it keeps only the indexes its
    # queries use (item and campaign lead the two below; the table holds one row per person at
    # work, so the minutely reclaim and a user's deletion scan it whole).
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="leases", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The item's campaign, copied for the per-person lookups. No database constraint: the
    # assignment statement copies it from the item row it locked (the item's own key is checked),
    # and the check locked the campaign row for every lease of every judge (FOR KEY SHARE: a
    # MultiXact when two overlap) for nothing.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Pairwise: whether this judge sees answer A on the left (drawn per judge and item from the
    # campaign's seed at lease time, annotation.pairs.a_on_left); the submit reads the side from
    # here, never from the client, and copies it to the judgement. None in other campaigns.
    a_on_left = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="lease_unique_item_user")]
        indexes = [models.Index(fields=["campaign", "user"], name="lease_campaign_user")]

    def __str__(self) -> str:
        return f"lease of item {self.item_id} by user {self.user_id}"


class Skip(models.Model):
    """An item a person will not be offered again: skipped, or opted out of."""

    class Kind(models.TextChoices):
        SKIPPED = "skipped", _("Skipped")
        # "I don't want to read this": the person's wellbeing, never held against them as a skip.
        OPTED_OUT = "opted_out", _("Opted out")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.SKIPPED, db_default=Kind.SKIPPED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="skip_unique_item_user")]
        # "What did this person see last" (no two responses to one prompt back to back).
        indexes = [models.Index(fields=["user", "-created_at"], name="skip_user_recent")]

    def __str__(self) -> str:
        return f"skip of item {self.item_id} by user {self.user_id}"


def judgement_standing(prefix: str = "") -> models.Q:
    """A judgement that stands: not voided by a reviewer, and its judge not excluded from the
    campaign. ``prefix`` reaches the judgement from another model ("judgements__")."""
    return models.Q(**{f"{prefix}voided_at__isnull": True, f"{prefix}excluded": False})


class JudgementQuerySet(models.QuerySet["Judgement"]):
    def unvoided(self) -> JudgementQuerySet:
        """Every judgement a reviewer has not voided (voided ones are kept for the record only)."""
        return self.filter(voided_at__isnull=True)

    def standing(self) -> JudgementQuerySet:
        """Neither voided nor of an excluded judge (``judgement_standing``), of any item."""
        return self.filter(judgement_standing())

    def of_complete_items(self) -> JudgementQuerySet:
        return self.filter(item_complete(prefix="item__"))

    def counted(
        self, *, include_incomplete: bool = False, include_excluded: bool = False
    ) -> JudgementQuerySet:
        """The judgements that count in results: not voided, not of an excluded judge, of a regular
        item or made while their item was still regular (promoting an item to gold leaves what
        was measured as it was), and of a complete item (``item_complete``). The variants keep
        the judgements of incomplete items (what agreement and quality measure) or of excluded
        judges."""
        rows = self.unvoided() if include_excluded else self.standing()
        rows = rows.filter(models.Q(item__purpose=ItemPurpose.REGULAR) | models.Q(before_check=True))
        return rows if include_incomplete else rows.of_complete_items()

    def checks(self, purpose: str) -> JudgementQuerySet:
        """The answers to check items of this purpose that are scored against the known answer:
        made after the item became a check item, never voided."""
        return self.unvoided().filter(item__purpose=purpose, before_check=False)


class Judgement(models.Model):
    """One person's judgement of one item; one row per (item, person)."""

    # Each submit inserts a row into every index of this table: item and campaign are covered by
    # the indexes below that lead with them, and the rarely set keys are indexed where set.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="judgements", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="judgements")
    # The item's campaign, copied for the per-campaign queries. No database constraint, as on Lease:
    # the submit statement copies it from the item row it locked.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="judgements", db_index=False, db_constraint=False
    )
    # Safety
    safe = models.BooleanField(null=True, blank=True)
    scenario = models.ForeignKey(
        "prompts.Scenario", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    response_type = models.CharField(max_length=20, choices=ResponseType.choices, blank=True)
    reason = models.TextField(blank=True)
    # Responsibility
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    best_response = models.ForeignKey(
        "models_registry.Response",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    none_good = models.BooleanField(default=False, help_text=_("None of the shown responses is good."))
    rewrite = models.TextField(
        blank=True, help_text=_("The expert's own answer; required when the score is below 5.")
    )
    # Pairwise: which answer is better, in A/B terms (null in other campaigns), how clearly (A or B
    # only), and optionally each answer's safety; a_on_left is where the judge saw answer A
    # (position bias is measured from it).
    preferred = models.CharField(max_length=8, choices=Preference.choices, null=True, blank=True)
    strength = models.CharField(max_length=8, choices=Strength.choices, null=True, blank=True)
    safe_a = models.BooleanField(null=True, blank=True)
    safe_b = models.BooleanField(null=True, blank=True)
    a_on_left = models.BooleanField(null=True, blank=True)
    time_spent_ms = models.PositiveIntegerField(default=0, help_text=_("From the lease to the submit."))
    # Checks: stored, never refused, so that reviewers and exports can weigh them.
    too_fast = models.BooleanField(
        default=False, help_text=_("Made faster than the campaign's minimum time.")
    )
    contradictory = models.BooleanField(
        default=False,
        help_text=_(
            "Verdict and response type disagree (unsafe + refusal with guidance, safe + risky); "
            "the judge confirmed it."
        ),
    )
    # Voided by a reviewer: kept for the record, left out of results, agreement and exports.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    void_reason = models.TextField(blank=True)
    # Gold, attention and qualification items: whether the answer matched the known one.
    check_passed = models.BooleanField(null=True, blank=True)
    before_check = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_(
            "Made while the item was a regular item, before it became a check item: it still counts "
            "for its response, and is not scored against the known answer (which it may have made)."
        ),
    )
    # The judge is excluded from this campaign's results (JudgeExclusion says who and why).
    excluded = models.BooleanField(default=False, db_default=False)
    # db_default: the one-round-trip submit inserts judgements in raw SQL without this column.
    suggestion_shown = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_("The judge saw a model's suggestion when judging (anchoring is measured)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    previous_values = models.JSONField(
        default=list, blank=True, help_text=_("Earlier versions, when edited.")
    )
    criterion_notes = models.JSONField(
        default=dict,
        db_default={},
        blank=True,
        help_text=_("Responsibility: the expert's optional note per rubric criterion, by criterion key."),
    )

    objects = JudgementQuerySet.as_manager()

    # Where a judgement holds its value at each level: a verdict, or a score; in a pairwise
    # campaign of either level, the preferred answer (a categorical value).
    VALUE_FIELDS = {Level.SAFETY: "safe", Level.RESPONSIBILITY: "score"}
    PAIRWISE_VALUE_FIELD = "preferred"

    class Meta:
        verbose_name = _("judgement")
        verbose_name_plural = _("judgements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="judgement_unique_item_user"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=10),
                name="judgement_score_1_10",
            ),
            # A or B comes with a strength; a tie or both bad with none; no preference, nothing
            # of a pair at all.
            models.CheckConstraint(
                condition=models.Q(
                    preferred__in=[Preference.A, Preference.B],
                    strength__isnull=False,
                    a_on_left__isnull=False,
                )
                | models.Q(
                    preferred__in=[Preference.TIE, Preference.BOTH_BAD],
                    strength__isnull=True,
                    a_on_left__isnull=False,
                )
                | models.Q(
                    preferred__isnull=True, strength__isnull=True, safe_a__isnull=True, safe_b__isnull=True
                ),
                name="judgement_pair_choice_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "user", "-created_at"], name="judgement_campaign_user"),
            models.Index(fields=["campaign", "item"], name="judgement_campaign_item"),
            models.Index(
                fields=["scenario"], name="judgement_scenario", condition=models.Q(scenario__isnull=False)
            ),
            models.Index(
                fields=["best_response"],
                name="judgement_best_response",
                condition=models.Q(best_response__isnull=False),
            ),
            models.Index(
                fields=["voided_by"], name="judgement_voided_by", condition=models.Q(voided_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"judgement {self.pk}"

    @staticmethod
    def value_field(level: str, judging: str = Judging.ABSOLUTE) -> str:
        """The field holding a judgement's value at this level (a campaign's kind) and way of
        judging (``preferred`` for every pairwise campaign)."""
        if judging == Judging.PAIRWISE:
            return Judgement.PAIRWISE_VALUE_FIELD
        return Judgement.VALUE_FIELDS[Level(level)]

    @staticmethod
    def value_field_of(campaign: Campaign) -> str:
        return Judgement.value_field(campaign.kind, campaign.judging_mode)


class ContentWarningSeen(models.Model):
    """A person acknowledged a campaign's content warning: it is not shown to them again."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="content_warning_seen_unique"),
        ]

    def __str__(self) -> str:
        return f"content warning of campaign {self.campaign_id} seen by user {self.user_id}"


class JudgeStanding(models.Model):
    """A judge's quality record in one campaign: failures, warning, pause, competence."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="standings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    failures = models.PositiveIntegerField(default=0)
    warned_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    excluded_at = models.DateTimeField(null=True, blank=True)
    competence = models.FloatField(
        null=True, blank=True, help_text=_("Estimated from the judgements themselves (Dawid–Skene), 0 to 1.")
    )
    # Its 95% interval and what it rests on (metrics.reliability.balanced_competence): a judge is
    # below the bar only when the whole interval is.
    competence_low = models.FloatField(null=True, blank=True)
    competence_high = models.FloatField(null=True, blank=True)
    competence_judgements = models.PositiveIntegerField(null=True, blank=True)
    # The Dawid–Skene recalls the competence averages: unsafe responses called unsafe, safe ones safe.
    catches_unsafe = models.FloatField(null=True, blank=True)
    clears_safe = models.FloatField(null=True, blank=True)
    competence_at = models.DateTimeField(null=True, blank=True)
    # Ratings: against the leave-one-out consensus of the other experts (stored with competence).
    bias = models.FloatField(null=True, blank=True)
    spread = models.FloatField(null=True, blank=True)
    consensus_items = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="judge_standing_unique"),
        ]

    def __str__(self) -> str:
        return f"standing of user {self.user_id} in campaign {self.campaign_id}"


class JudgeTally(models.Model):
    """How many judgements a person has made in a campaign, voided ones included. Read with every
    next item: counting the judgements instead grew with the person's work (a judge with 1,350
    judgements cost 540 page reads per item). Only the submit writes it, in the same transaction
    as the judgement, so it takes no lock that anything else holds."""

    # The unique constraint's index leads with the campaign.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    judged = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="judge_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.judged} judged by user {self.user_id} in campaign {self.campaign_id}"


class JudgeExclusion(models.Model):
    """A reviewer took a judge out of a campaign's results; lifted when they are let back in."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="exclusions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"exclusion of user {self.user_id} from campaign {self.campaign_id}"


class Qualification(models.Model):
    """A person's outcome on a qualification set: per campaign (crowd) or per domain (experts)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="qualifications")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    correct = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "campaign", "domain"], name="qualification_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"qualification of user {self.user_id} for campaign {self.campaign_id}"


class Adjudication(models.Model):
    """A reviewer's final label or score for an item, with a note."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="adjudication")
    safe = models.BooleanField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    # Pairwise: the final better answer (A/B terms).
    preferred = models.CharField(max_length=8, choices=Preference.choices, null=True, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"adjudication of item {self.item_id}"


class AdjudicationRequest(models.Model):
    """A reviewer sent an item to the adjudication queue by hand (from the item browser), whatever
    its judges' agreement; it stays listed until it is adjudicated."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="adjudication_request")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"adjudication request for item {self.item_id}"


# ---------------------------------------------------------------- crowd platforms


class CrowdLink(models.Model):
    """A way into one campaign from a crowd platform (Prolific, or an MTurk-style external
    question): the platform sends each participant to the link with their ids in the URL."""

    class Platform(models.TextChoices):
        PROLIFIC = "prolific", "Prolific"
        MTURK = "mturk", _("MTurk-style (workerId, assignmentId, hitId)")

    # The campaign a link enters: one to judge in, or one to write prompts for (never both).
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="crowd_links"
    )
    authoring_campaign = models.ForeignKey(
        AuthoringCampaign, null=True, blank=True, on_delete=models.CASCADE, related_name="crowd_links"
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    token = models.CharField(
        max_length=64, unique=True, help_text=_("The secret part of the entry URL; a new link, a new token.")
    )
    quota_per_person = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text=_("Items one participant judges at most (prompts they submit, for an authoring campaign)."),
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(campaign__isnull=False, authoring_campaign__isnull=True)
                | models.Q(campaign__isnull=True, authoring_campaign__isnull=False),
                name="crowd_link_enters_one_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} → {self.campaign or self.authoring_campaign}"

    @property
    def target_key(self) -> str:
        """Which campaign the link enters, as one key: two links into the same campaign share
        their participants' sessions; the browser session remembers submissions by it."""
        if self.authoring_campaign_id is not None:
            return self.authoring_key(self.authoring_campaign_id)
        return str(self.campaign_id)

    @staticmethod
    def authoring_key(authoring_campaign_id: int) -> str:
        return f"authoring:{authoring_campaign_id}"


class CrowdParticipant(models.Model):
    """One submission from a crowd platform: the account a participant judges one campaign with,
    found again only by the platform's participant id together with its session id (Prolific's
    SESSION_ID, MTurk's assignmentId), never by a password (it has none). Participant ids are not
    secrets; the session id, which only the participant and the researcher see, is the credential:
    another session id for the same participant is another submission, with its own account."""

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
                fields=["platform", "participant_id", "session_id"], name="crowd_participant_unique_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.participant_id}"


class CampaignProtocol(models.Model):
    """What a campaign promised when it first opened, frozen: its items (ids and the SHA-256 of
    their texts), models and generation parameters, guidelines, rubric, quality control and judging
    settings. ``canonical`` is the exact text that was hashed (sorted keys, compact separators,
    UTF-8), so that anyone can recompute ``sha256`` from it without ValueLens."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="protocol")
    canonical = models.TextField()
    sha256 = models.CharField(max_length=64)
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The audit log's last entry, moved with each append under this row's lock: it orders the
    # appends, and it shows an entry cut off the end of the log, which the chain alone cannot.
    head_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("campaign protocol")
        verbose_name_plural = _("campaign protocols")

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.sha256[:12]}"


class CampaignProtocolItems(models.Model):
    """A chunk of a frozen protocol's item list: canonical JSON lines, one per item, in item order.
    The protocol holds their count and the SHA-256 of all the lines (each ending in a newline);
    kept apart, in chunks, so that freezing a campaign of millions of items never holds its list
    in memory, and reading the protocol never loads it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveIntegerField()
    lines = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "index"], name="protocol_items_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.index}"


class AuditAction(models.TextChoices):
    """What an audit entry records; the code is hashed, its label is what a page shows."""

    PROTOCOL_FROZEN = "protocol_frozen", _("Protocol frozen")
    STATUS_CHANGED = "status_changed", _("Status changed")
    SETTINGS_CHANGED = "settings_changed", _("Settings changed")
    ITEMS_ADDED = "items_added", _("Items added")
    CHECK_ITEMS_SET = "check_items_set", _("Check items set")
    JUDGE_EXCLUDED = "judge_excluded", _("Judge excluded")
    JUDGE_READMITTED = "judge_readmitted", _("Judge readmitted")
    JUDGEMENTS_VOIDED = "judgements_voided", _("Judgements voided")
    ADJUDICATED = "adjudicated", _("Item adjudicated")
    ADJUDICATION_REQUESTED = "adjudication_requested", _("Items sent to adjudication")
    JUDGE_RUN_STARTED = "judge_run_started", _("Judge run started")
    JUDGING_CHANGED = "judging_changed", _("Judge-model suggestions or triage changed")


class AuditEntry(models.Model):
    """One change to a campaign after its protocol was frozen. Entries are chained: ``hash`` is
    SHA-256 of the previous entry's hash followed by this entry's canonical fields, so that editing
    or deleting any row shows at that row (campaign_audit_verify). ``actor_key`` is hashed, neither
    the user id (a deleted account must not break the chain) nor the name (bundles publish what is
    hashed): a keyed pseudonym, HMAC-SHA256 of the username under settings.AUDIT_ACTOR_KEY."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="audit_entries")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    actor_key = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["campaign_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["campaign", "seq"], name="audit_entry_seq_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id}#{self.seq} {self.action}"
