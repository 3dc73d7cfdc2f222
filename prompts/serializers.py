from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from rest_framework import serializers

from prompts.models import ImportFormat, ImportJob, Prompt, PromptSet
from prompts.services import ImportRejected, import_mapping_validate


class PromptSetSerializer(serializers.ModelSerializer):
    prompts = serializers.IntegerField(read_only=True, source="prompt_count")

    class Meta:
        model = PromptSet
        fields = ["id", "name", "description", "source", "license", "created_at", "prompts"]


class PromptSerializer(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    scenario = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Prompt
        fields = ["id", "prompt_set", "external_id", "level", "domain", "scenario", "source", "text"]


class ImportJobSerializer(serializers.ModelSerializer):
    errors = serializers.ListField(child=serializers.DictField(), source="errors_shown", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "prompt_set",
            "new_set_name",
            "format",
            "mapping",
            "original_name",
            "status",
            "lines_read",
            "created_count",
            "existing_count",
            "errors",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    """The upload form of the Import page, as multipart fields."""

    prompt_set = serializers.PrimaryKeyRelatedField(queryset=PromptSet.objects.visible(), required=False)
    new_set_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    format = serializers.ChoiceField(choices=ImportFormat.choices)
    file = serializers.FileField()
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Generic formats: text, id, level, default_level, domain, scenario, reference_answer.",
    )

    def validate_file(self, upload: Any) -> Any:
        if upload.size > settings.IMPORT_UPLOAD_MAX_BYTES:
            raise serializers.ValidationError(
                _("The limit is %(limit)s bytes.")
                % {"limit": number_format(settings.IMPORT_UPLOAD_MAX_BYTES, force_grouping=True)}
            )
        if upload.size == 0:
            raise serializers.ValidationError(_("The file is empty."))
        return upload

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        name = (data.get("new_set_name") or "").strip()
        if bool(data.get("prompt_set")) == bool(name):
            raise serializers.ValidationError(_("Give either prompt_set or new_set_name."))
        try:
            data["mapping"] = import_mapping_validate(fmt=data["format"], mapping=data.get("mapping"))
        except ImportRejected as rejected:
            raise serializers.ValidationError({rejected.field: rejected.message}) from rejected
        return data
