from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from annotation.models import Campaign
from evaluation.figures.forms import FIRST_DAY, LAST_DAY
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from models_registry.models import RegisteredModel
from prompts.models import Domain, Scenario


class ExportSerializer(serializers.ModelSerializer):
    percent = serializers.FloatField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "kind",
            "format",
            "csv_bom",
            "scope",
            "status",
            "percent",
            "rows_done",
            "rows_total",
            "counts",
            "size_bytes",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, export: Export) -> str | None:
        if export.status != Export.Status.READY:
            return None
        request = self.context.get("request")
        path = f"/api/exports/{export.pk}/download/"
        return request.build_absolute_uri(path) if request else path


class ExportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Export.Kind.choices, default=Export.Kind.SCORED)
    format = serializers.ChoiceField(choices=Export.Format.choices, default=Export.Format.JSONL)
    csv_bom = serializers.BooleanField(
        default=True,
        help_text="CSV files start with a UTF-8 byte-order mark (Excel then reads Chinese correctly).",
    )
    campaigns = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), many=True, required=False)
    model = serializers.PrimaryKeyRelatedField(
        queryset=RegisteredModel.objects.all(), required=False, allow_null=True
    )
    domain = serializers.PrimaryKeyRelatedField(
        queryset=Domain.objects.all(), required=False, allow_null=True
    )
    scenario = serializers.PrimaryKeyRelatedField(
        queryset=Scenario.objects.all(), required=False, allow_null=True
    )
    since = serializers.DateField(required=False, allow_null=True)
    until = serializers.DateField(required=False, allow_null=True)
    include_incomplete = serializers.BooleanField(
        default=False, help_text="Also export items that do not have all N judgements yet."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        for name in ("since", "until"):
            if data.get(name) and not FIRST_DAY <= data[name] <= LAST_DAY:
                raise serializers.ValidationError(
                    {
                        name: _("Pick a day between %(first)s and %(last)s.")
                        % {"first": FIRST_DAY, "last": LAST_DAY}
                    }
                )
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError(_("since comes after until."))
        return data

    def scope(self) -> FigureScope:
        data = self.validated_data
        return FigureScope(
            campaign_ids=tuple(c.pk for c in data.get("campaigns") or ()),
            model_id=data["model"].pk if data.get("model") else None,
            domain_id=data["domain"].pk if data.get("domain") else None,
            scenario_id=data["scenario"].pk if data.get("scenario") else None,
            since=data.get("since"),
            until=data.get("until"),
            include_incomplete=data.get("include_incomplete", False),
        )
