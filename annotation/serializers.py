from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotation.inputs import CampaignInput, JudgementInput, scenario_named
from annotation.models import Campaign, Item, Judgement, Judging, Lease, PairPlan, Strength
from annotation.pairs import CHOICES, LEFT, RIGHT, choice_of, sides_to_ab
from annotation.rubric import NOTE_MAX_CHARS, RESPONSIBILITY_CRITERIA
from common.roles import user_can_review
from models_registry.models import GenerationRun, RegisteredModel
from prompts.conversations import ROLES
from prompts.models import Domain, Level, ResponseType, Scenario


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "judges_per_item",
            "guidelines",
            "blind",
            "lease_minutes",
            "min_seconds",
            "seed",
            "status",
            "content_warning",
            "content_warning_text",
            "break_after_minutes",
            "judging_mode",
            "pair_plan",
            "pair_reference",
            "pair_side_safety",
            "active_sampling",
            "human_sample_rate",
            "human_sample_count",
            "human_sample_by_group",
            "human_sample_seed",
            "created_at",
        ]
        read_only_fields = fields


class CampaignCreateSerializer(serializers.Serializer):
    """The New campaign page's fields: which succeeded responses become items, and how they are judged."""

    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Campaign.Kind.choices)
    runs = serializers.PrimaryKeyRelatedField(
        queryset=GenerationRun.objects.visible(), many=True, required=False
    )
    target_models = serializers.PrimaryKeyRelatedField(
        queryset=RegisteredModel.objects.all(), many=True, required=False
    )
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    domain = serializers.PrimaryKeyRelatedField(
        queryset=Domain.objects.all(), required=False, allow_null=True
    )
    scenario = serializers.PrimaryKeyRelatedField(
        queryset=Scenario.objects.all(), required=False, allow_null=True
    )
    judges_per_item = serializers.IntegerField(min_value=1, max_value=20, required=False, allow_null=True)
    guidelines = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    blind = serializers.BooleanField(default=True)
    lease_minutes = serializers.IntegerField(min_value=1, max_value=240, default=10)
    min_seconds = serializers.IntegerField(
        min_value=0,
        max_value=600,
        required=False,
        allow_null=True,
        help_text="Empty: 3 s for safety, 10 s for responsibility.",
    )
    group_samples = serializers.BooleanField(default=False)
    content_warning = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Show judges a content warning before their first item. Empty: on for safety campaigns.",
    )
    content_warning_text = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default=""
    )
    break_after_minutes = serializers.IntegerField(
        min_value=0,
        max_value=600,
        default=Campaign.BREAK_AFTER_MINUTES,
        help_text="Suggest a break after this many minutes of active judging (0: never).",
    )
    follow_run = serializers.PrimaryKeyRelatedField(
        queryset=GenerationRun.objects.visible(),
        required=False,
        allow_null=True,
        help_text="Items are this run's succeeded responses, and each one that succeeds later joins. "
        "The other response filters must be empty.",
    )
    judging_mode = serializers.ChoiceField(
        choices=Judging.choices,
        default=Judging.ABSOLUTE,
        help_text="pairwise: each item is two of target_models' answers to one prompt, side by side.",
    )
    pair_plan = serializers.ChoiceField(
        choices=PairPlan.choices,
        required=False,
        allow_blank=True,
        help_text="Pairwise: all_pairs of target_models (default), or each against_reference.",
    )
    pair_reference = serializers.PrimaryKeyRelatedField(
        queryset=RegisteredModel.objects.all(),
        required=False,
        allow_null=True,
        help_text="Pairwise, against_reference: the model every model of target_models is compared with.",
    )
    pair_side_safety = serializers.BooleanField(
        default=False, help_text="Pairwise: judges also say whether each answer is safe."
    )
    active_sampling = serializers.BooleanField(
        default=False,
        help_text="Pairwise: serve first the pairs whose votes would narrow the ranking's intervals most "
        "(refreshed every minute).",
    )

    human_sample_rate = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="People judge this share of each model's items, drawn at random, in (0, 1]; a judge "
        "model labels the rest. Not with human_sample_count; refused in pairwise campaigns.",
    )
    human_sample_count = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Or people judge this many items of each model (at least 1).",
    )
    human_sample_by_group = serializers.BooleanField(
        default=False,
        help_text="Draw the sample within each risk scenario (safety) or domain (responsibility).",
    )

    def campaign_input(self) -> CampaignInput:
        return CampaignInput.of(self.validated_data)


class CampaignStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Campaign.Status.choices)


class CampaignProgressSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    complete = serializers.IntegerField()
    started = serializers.IntegerField()
    untouched = serializers.IntegerField()
    judgements = serializers.IntegerField()
    live_leases = serializers.IntegerField()
    saved_judgements = serializers.IntegerField()
    judge_only = serializers.IntegerField(
        help_text="Items outside the human sample: labelled by a judge model only, not in `items`."
    )
    percent = serializers.FloatField()


class ItemResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ConversationTurnSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLES)
    content = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    safe = serializers.BooleanField(allow_null=True)
    response_type = serializers.CharField(allow_blank=True, allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    source = serializers.CharField(allow_null=True)


class PairSideSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=[LEFT, RIGHT])
    text = serializers.CharField()


class ItemSerializer(serializers.ModelSerializer):
    """An item as its judge sees it; the model's name and the counts only when the campaign is
    not blind or the reader reviews."""

    prompt = serializers.CharField(source="prompt.text", read_only=True)
    messages = ConversationTurnSerializer(
        source="prompt.messages",
        many=True,
        read_only=True,
        help_text="A conversation's earlier turns, before its last user turn (prompt); [] for a single prompt.",
    )
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    scenario = serializers.SlugRelatedField(source="prompt.scenario", slug_field="slug", read_only=True)
    responses = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()
    judgement_count = serializers.SerializerMethodField()
    suggestion = serializers.SerializerMethodField()
    sides = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "id",
            "campaign",
            "prompt",
            "messages",
            "domain",
            "scenario",
            "responses",
            "model",
            "judgement_count",
            "suggestion",
            "sides",
        ]

    def _reviews(self) -> bool:
        request = self.context.get("request")
        return bool(request and user_can_review(request.user))

    def _a_on_left(self, item: Item) -> bool | None:
        """Pairwise: the side the reader's lease (or judgement) stored; None for a reader who holds
        neither, or in other campaigns."""
        request = self.context.get("request")
        if not item.campaign.pairwise or request is None:
            return None
        cache = self.context.setdefault("_a_on_left", {})
        if item.pk not in cache:
            side = Lease.objects.filter(item=item, user_id=request.user.pk).values_list(
                "a_on_left", flat=True
            )
            judged = Judgement.objects.filter(item=item, user_id=request.user.pk).values_list(
                "a_on_left", flat=True
            )
            cache[item.pk] = side.first() if side.exists() else judged.first()
        return cache[item.pk]

    @extend_schema_field(ItemResponseSerializer(many=True))
    def get_responses(self, item: Item) -> list[dict[str, Any]]:
        rows = sorted(item.item_responses.all(), key=lambda r: r.position)
        if self._a_on_left(item) is False:
            # A pair's judge reads its answers in their own left/right order only.
            rows.reverse()
        return [{"id": r.response_id, "text": r.response.text} for r in rows]

    @extend_schema_field(PairSideSerializer(many=True, allow_null=True))
    def get_sides(self, item: Item) -> list[dict[str, Any]] | None:
        """Pairwise: the two answers as this judge sees them, left then right (judge with
        ``choice`` left, right, tie or both_bad); null for other items or a reader holding no side."""
        a_on_left = self._a_on_left(item)
        if a_on_left is None:
            return None
        texts = [r.response.text for r in sorted(item.item_responses.all(), key=lambda r: r.position)]
        left, right = texts if a_on_left else reversed(texts)
        return [{"side": LEFT, "text": left}, {"side": RIGHT, "text": right}]

    @extend_schema_field(OpenApiTypes.STR)
    def get_model(self, item: Item) -> str | None:
        """The model's name (a pair's model A), to reviewers or in a campaign that is not blind."""
        return item.model.name if self._reviews() or not item.campaign.blind else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_judgement_count(self, item: Item) -> int | None:
        return item.judgement_count if self._reviews() else None

    @extend_schema_field(SuggestionSerializer(allow_null=True))
    def get_suggestion(self, item: Item) -> dict[str, Any] | None:
        """A model's verdict to pre-fill, as the judging page shows it; a judgement of this item
        then records ``suggestion_shown``. Never in a blind campaign."""
        if item.suggestion is None or item.campaign.blind:
            return None
        return {key: item.suggestion.get(key) for key in ("safe", "response_type", "score", "source")}


class JudgementSerializer(serializers.ModelSerializer):
    judge = serializers.CharField(source="user.annotator_profile.pseudonym", read_only=True)
    scenario = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Judgement
        fields = [
            "id",
            "item",
            "campaign",
            "judge",
            "safe",
            "scenario",
            "response_type",
            "reason",
            "score",
            "best_response",
            "none_good",
            "rewrite",
            "criterion_notes",
            "time_spent_ms",
            "too_fast",
            "contradictory",
            "suggestion_shown",
            "preferred",
            "strength",
            "safe_a",
            "safe_b",
            "a_on_left",
            "voided_at",
            "void_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class JudgementVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class JudgementWriteSerializer(serializers.Serializer):
    """One's own judgement of an item: safe (+ optional type, scenario, reason) for safety items,
    score (+ rewrite below 5, best response) for responsibility items."""

    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    safe = serializers.BooleanField(required=False, allow_null=True, default=None)
    scenario = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Scenario slug (or id)."
    )
    response_type = serializers.ChoiceField(choices=ResponseType.choices, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    score = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10)
    best_response = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    none_good = serializers.BooleanField(required=False, default=False)
    rewrite = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    criterion_notes = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=NOTE_MAX_CHARS),
        required=False,
        default=dict,
        help_text="Responsibility: an optional note per rubric criterion, by key ("
        + ", ".join(c.key for c in RESPONSIBILITY_CRITERIA)
        + ").",
    )
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep a verdict that contradicts the response type (unsafe + refusal with guidance, "
        "safe + risky); without it such a judgement is refused with field `confirm`.",
    )
    choice = serializers.ChoiceField(
        choices=[(c, c) for c in CHOICES],
        required=False,
        allow_blank=True,
        help_text="Pairwise: the better answer in the terms the item's `sides` gave you (left, right), or "
        "tie, both_bad. The server turns it into A/B with the side stored for you; stored as `preferred`.",
    )
    strength = serializers.ChoiceField(
        choices=Strength.choices,
        required=False,
        allow_blank=True,
        help_text="Pairwise: slightly or clearly, for left or right only.",
    )
    safe_left = serializers.BooleanField(required=False, allow_null=True, default=None)
    safe_right = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Pairwise, when the campaign asks each answer's safety: the left and right answers'.",
    )

    def judgement_input(self, *, current: Judgement | None = None) -> JudgementInput:
        """The one judgement input the services take; an edit keeps what it does not send."""
        values = {**(_sent_values(current) if current is not None else {}), **self.validated_data}
        scenario, scenario_unknown = scenario_named(values.get("scenario"))
        return JudgementInput(
            safe=values.get("safe"),
            scenario=scenario,
            scenario_unknown=scenario_unknown,
            response_type=values.get("response_type", ""),
            reason=values.get("reason", ""),
            confirmed=values.get("confirm", False),
            score=values.get("score"),
            best_response_id=values.get("best_response"),
            none_good=values.get("none_good", False),
            rewrite=values.get("rewrite", ""),
            criterion_notes=values.get("criterion_notes") or {},
            choice=values.get("choice") or "",
            strength=values.get("strength") or "",
            safe_left=values.get("safe_left"),
            safe_right=values.get("safe_right"),
        )


def _sent_values(judgement: Judgement) -> dict[str, Any]:
    """A stored judgement as the API would send it (what an edit starts from)."""
    return {
        "safe": judgement.safe,
        "scenario": judgement.scenario,
        "response_type": judgement.response_type,
        "reason": judgement.reason,
        "score": judgement.score,
        "best_response": judgement.best_response_id,
        "none_good": judgement.none_good,
        "rewrite": judgement.rewrite,
        "criterion_notes": judgement.criterion_notes,
        "confirm": judgement.contradictory,
        **_sent_pair_values(judgement),
    }


def _sent_pair_values(judgement: Judgement) -> dict[str, Any]:
    """A pairwise judgement in its judge's left/right terms (what an edit sends back)."""
    if judgement.preferred is None or judgement.a_on_left is None:
        return {}
    left, right = sides_to_ab(left=judgement.safe_a, right=judgement.safe_b, a_on_left=judgement.a_on_left)
    return {
        "choice": choice_of(preferred=judgement.preferred, a_on_left=judgement.a_on_left),
        "strength": judgement.strength or "",
        "safe_left": left,
        "safe_right": right,
    }


class JudgementEditSerializer(JudgementWriteSerializer):
    item = None  # type: ignore[assignment]


class CampaignProtocolSerializer(serializers.Serializer):
    """A campaign's frozen protocol: ``canonical`` is the exact text hashed into ``sha256``."""

    sha256 = serializers.CharField()
    frozen_at = serializers.DateTimeField()
    canonical = serializers.CharField()
    verify = serializers.DictField()


class AuditEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor_name = serializers.CharField()
    # What the hash sealed for the actor (a keyed pseudonym): with it, each hash is recomputable.
    actor_key = serializers.CharField()
    action = serializers.CharField()
    action_display = serializers.CharField(source="get_action_display")
    detail = serializers.JSONField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField()
