"""The API's shapes of authoring; the write serializers build the same inputs as the pages' forms."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authoring.inputs import (
    MAX_INSTRUCTIONS_CHARS,
    MAX_REFERENCE_ANSWER_CHARS,
    MAX_REJECT_REASON_CHARS,
    MAX_TURN_CHARS,
    AuthoringCampaignInput,
    BriefInput,
    ReviewInput,
    SubmissionInput,
)
from authoring.models import AuthoringCampaign, GivenPrompt, ScenarioBrief, Submission
from authoring.selectors import RejectReason, reject_reason_shown
from models_registry.models import RegisteredModel
from prompts.models import Domain, Level, Scenario

# Room above the services' limits, so an oversized text reaches the service and is refused there
# in the same words as on the page.
_ROOM = 2


class BriefSerializer(serializers.Serializer):
    scenario = serializers.SlugRelatedField(slug_field="slug", queryset=Scenario.objects.all())
    description = serializers.CharField(required=False, allow_blank=True, default="")
    examples = serializers.CharField(required=False, allow_blank=True, default="")
    quota = serializers.IntegerField(min_value=1, default=100)


class AuthoringCampaignWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AuthoringCampaign.Kind.choices)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    instructions = serializers.CharField(required=False, allow_blank=True, max_length=MAX_INSTRUCTIONS_CHARS)
    domain = serializers.SlugRelatedField(
        slug_field="slug", queryset=Domain.objects.all(), required=False, allow_null=True
    )
    targets = serializers.SlugRelatedField(
        slug_field="name", queryset=RegisteredModel.objects.all(), many=True, required=False
    )
    targets_shown = serializers.BooleanField(default=False)
    max_turns = serializers.IntegerField(min_value=1, max_value=20, default=3)
    quota_per_person = serializers.IntegerField(min_value=1, default=20)
    quota_total = serializers.IntegerField(min_value=1, default=1000)
    pay_per_accepted = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, default=0)
    currency = serializers.CharField(max_length=8, default="GBP")
    content_warning = serializers.CharField(required=False, allow_blank=True, default="")
    break_after_minutes = serializers.IntegerField(min_value=0, max_value=600, default=30)
    briefs = BriefSerializer(many=True, required=False)

    def campaign_input(self) -> AuthoringCampaignInput:
        data = dict(self.validated_data)
        data["briefs"] = [BriefInput(**brief) for brief in data.get("briefs") or []]
        return AuthoringCampaignInput.of(data)


class BriefReadSerializer(serializers.ModelSerializer):
    scenario = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ScenarioBrief
        fields = ["scenario", "description", "examples", "quota"]


class AuthoringCampaignSerializer(serializers.ModelSerializer):
    """A campaign as an author reads it; its queryset carries `warning_acknowledged` for the asker
    (selectors.campaigns_with_warning_acknowledged)."""

    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    briefs = BriefReadSerializer(many=True, read_only=True)
    content_warning_acknowledged = serializers.SerializerMethodField(
        help_text=(
            "Whether you acknowledged the content warning (null: the campaign has none). Until you do "
            "(POST content-warning/), writing in the campaign is refused with 409."
        )
    )

    class Meta:
        model = AuthoringCampaign
        fields = [
            "id",
            "name",
            "kind",
            "level",
            "status",
            "instructions",
            "domain",
            "prompt_set",
            "max_turns",
            "quota_per_person",
            "quota_total",
            "content_warning",
            "content_warning_acknowledged",
            "break_after_minutes",
            "briefs",
        ]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_content_warning_acknowledged(self, campaign: AuthoringCampaign) -> bool | None:
        if not campaign.content_warning:
            return None
        return getattr(campaign, "warning_acknowledged", None)


class AuthoringCampaignAdminSerializer(AuthoringCampaignSerializer):
    targets = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta(AuthoringCampaignSerializer.Meta):
        fields = [
            *AuthoringCampaignSerializer.Meta.fields,
            "targets",
            "targets_shown",
            "attack_run",
            "pay_per_accepted",
            "currency",
        ]


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AuthoringCampaign.Status.choices)


class SubmissionWriteSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_TURN_CHARS * _ROOM,
        help_text="The prompt (none in an expert-answers campaign: the prompt is given).",
    )
    reference_answer = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=MAX_REFERENCE_ANSWER_CHARS * _ROOM
    )
    scenario = serializers.SlugRelatedField(
        slug_field="slug", queryset=Scenario.objects.all(), required=False, allow_null=True
    )
    domain = serializers.SlugRelatedField(
        slug_field="slug", queryset=Domain.objects.all(), required=False, allow_null=True
    )
    given = serializers.PrimaryKeyRelatedField(
        queryset=GivenPrompt.objects.all(),
        required=False,
        allow_null=True,
        help_text="Expert answers: the given prompt answered (next-prompt/ names it).",
    )
    submit_key = serializers.UUIDField(
        help_text="A new random key per prompt: a resend with it stores nothing twice."
    )
    provenance = serializers.JSONField(
        required=False, help_text="Typing figures: {field: {typed, pasted, typing_ms}}."
    )

    def submission_input(self) -> SubmissionInput:
        return SubmissionInput.of(self.validated_data)


class GivenPromptSerializer(serializers.ModelSerializer):
    """A prompt an expert-answers campaign asks the expert to answer (a conversation's earlier
    turns in messages, its last user turn in text)."""

    text = serializers.CharField(source="prompt.text", read_only=True)
    messages = serializers.JSONField(source="prompt.messages", read_only=True)
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = GivenPrompt
        fields = ["id", "text", "messages", "domain"]


class SubmissionSerializer(serializers.ModelSerializer):
    scenario = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reject_reason = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "campaign",
            "text",
            "messages",
            "reference_answer",
            "scenario",
            "domain",
            "status",
            "status_display",
            "reject_reason",
            "near_duplicates",
            "given",
            "created_at",
        ]

    def get_reject_reason(self, submission: Submission) -> str:
        return reject_reason_shown(submission)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReviewInput.ACCEPT, ReviewInput.REJECT])
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    reason_code = serializers.ChoiceField(choices=RejectReason.choices, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REJECT_REASON_CHARS)

    def review_input(self) -> ReviewInput:
        return ReviewInput.of(self.validated_data)


class NearDuplicateQuerySerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_TURN_CHARS * _ROOM)


class NearDuplicateSerializer(serializers.Serializer):
    prompt_id = serializers.IntegerField()
    similarity = serializers.FloatField()
    text = serializers.CharField()
