from __future__ import annotations

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from models_registry.models import GenerationRun, RegisteredModel
from prompts.models import Domain, Level, PromptSet, Scenario


class RegisteredModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegisteredModel
        fields = ["id", *RegisteredModel.EDITABLE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "api_key_env": {
                "help_text": "The NAME of the worker's environment variable (VALUELENS_KEY_…), never the key."
            },
        }

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # POST with an existing name updates that model (model_register): the name being taken is
        # no reason to refuse. Its other checks (length, slug) stay.
        fields["name"].validators = [
            v for v in fields["name"].validators if not isinstance(v, UniqueValidator)
        ]
        return fields


class GenerationRunSerializer(serializers.ModelSerializer):
    target_models = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = GenerationRun
        fields = [
            "id",
            "name",
            "prompt_set",
            "level",
            "domain",
            "scenario",
            "samples_per_prompt",
            "target_models",
            "status",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class GenerationRunStartSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    prompt_set = serializers.PrimaryKeyRelatedField(queryset=PromptSet.objects.visible())
    target_models = serializers.PrimaryKeyRelatedField(
        queryset=RegisteredModel.objects.filter(is_active=True), many=True, allow_empty=False
    )
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    domain = serializers.PrimaryKeyRelatedField(
        queryset=Domain.objects.all(), required=False, allow_null=True
    )
    scenario = serializers.PrimaryKeyRelatedField(
        queryset=Scenario.objects.all(), required=False, allow_null=True
    )
    samples_per_prompt = serializers.IntegerField(min_value=1, max_value=20, required=False, allow_null=True)


class RunProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    percent = serializers.FloatField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    errors = serializers.ListField(child=serializers.DictField())
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=20, decimal_places=8, allow_null=True)
    per_second = serializers.FloatField()
    eta_s = serializers.FloatField(allow_null=True)
    by_model = serializers.ListField(child=serializers.DictField())
    key_redacted = serializers.IntegerField(
        help_text="Answers and errors that repeated the model's API key; it was replaced by [key] before "
        "they were stored."
    )


class CountSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    changed = serializers.IntegerField(help_text="Generations cancelled or queued by the action.")
