"""The quality API of a campaign: the same services as the quality pages."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.inputs import AdjudicationInput, CheckAnswer
from annotation.models import Campaign, Item, ItemPurpose, Preference
from annotation.protocol.services import campaign_settings_save
from annotation.quality import selectors, services
from annotation.quality.forms import QualitySettingsForm
from common.roles import IsAdmin, IsReviewer
from prompts.models import ResponseType


def _plain(value: Any) -> Any:
    """JSON-ready: NaN (an interval of no answer) becomes None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _campaign(campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign, pk=campaign_id)


class QualitySettingsApi(APIView):
    """GET the campaign's quality settings (reviewers); PATCH them (admins)."""

    def get_permissions(self) -> list[Any]:
        return [IsAdmin()] if self.request.method == "PATCH" else [IsReviewer()]

    def _data(self, campaign: Campaign) -> dict[str, Any]:
        form = QualitySettingsForm(instance=campaign)
        return {name: form.initial.get(name) for name in form.fields}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(self._data(_campaign(campaign_id)))

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def patch(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(campaign_id)
        data = {**self._data(campaign), **request.data}
        # The form treats a missing checkbox as False and None as empty.
        data = {k: ("" if v is None else v) for k, v in data.items()}
        if not data.get("training"):
            data.pop("training", None)
        form = QualitySettingsForm(data, instance=campaign)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        campaign_settings_save(campaign=form.instance, fields=form.fields, by=request.user)
        return Response(self._data(campaign))


class JudgeQualityApi(APIView):
    """Each judge's gold accuracy (Wilson interval), checks, failures, state and competence."""

    permission_classes = [IsReviewer]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response(_plain([asdict(row) for row in selectors.judges_quality(_campaign(campaign_id))]))


class CheckItemSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    purpose = serializers.ChoiceField(choices=ItemPurpose.choices)
    safe = serializers.BooleanField(required=False, allow_null=True, default=None)
    response_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ResponseType.choices), required=False, default=list
    )
    score_min = serializers.IntegerField(required=False, allow_null=True, default=None)
    score_max = serializers.IntegerField(required=False, allow_null=True, default=None)
    preferred = serializers.ChoiceField(
        choices=Preference.choices,
        required=False,
        allow_blank=True,
        default="",
    )
    explanation = serializers.CharField(required=False, allow_blank=True, default="")

    def check_answer(self) -> CheckAnswer:
        return CheckAnswer.of(self.validated_data)


class CheckItemApi(APIView):
    """Mark an item as gold, attention or qualification with its known answer (or regular again)."""

    permission_classes = [IsAdmin]

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(campaign_id)
        form = CheckItemSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        item = get_object_or_404(Item.objects.select_related("campaign"), campaign=campaign, pk=data["item"])
        item = services.item_purpose_set(
            item=item,
            purpose=data["purpose"],
            answer=form.check_answer(),
            by=request.user,
        )
        return Response({"item": item.pk, "purpose": item.purpose})


class CheckItemImportApi(APIView):
    """Import known answers from a JSONL or CSV file (multipart field ``file``)."""

    permission_classes = [IsAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": OpenApiTypes.OBJECT}, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(campaign_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": [_("Send a file.")]})
        count = services.check_items_import(
            campaign=campaign, name=upload.name, content=upload.read(), by=request.user
        )
        return Response({"imported": count}, status=status.HTTP_201_CREATED)


class GoldPromoteApi(APIView):
    """Promote up to ``limit`` (default 50) unanimous items to gold."""

    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, campaign_id: int) -> Response:
        limit = int(request.data.get("limit") or 50)
        count = services.gold_promote_unanimous(campaign=_campaign(campaign_id), by=request.user, limit=limit)
        return Response({"promoted": count})


class JudgeActionApi(APIView):
    """exclude (with ``reason``), readmit, or resume a judge in the campaign."""

    permission_classes = [IsReviewer]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, campaign_id: int, user_id: int, action: str) -> Response:
        campaign = _campaign(campaign_id)
        judge = get_object_or_404(get_user_model(), pk=user_id)
        if action == "exclude":
            services.judge_exclude(
                campaign=campaign, user=judge, by=request.user, reason=str(request.data.get("reason", ""))
            )
        elif action == "readmit":
            services.judge_readmit(campaign=campaign, user=judge, by=request.user)
        elif action == "resume":
            services.judge_resume(campaign=campaign, user=judge, by=request.user)
        else:
            return Response({"detail": _("Unknown action.")}, status=status.HTTP_404_NOT_FOUND)
        row = next((r for r in selectors.judges_quality(campaign) if r.user_id == judge.pk), None)
        return Response(_plain(asdict(row)) if row else {})


class CompetenceRefreshApi(APIView):
    """Ask a worker to recompute each judge's competence (safety: Dawid–Skene, and each item's
    model estimate; ratings: bias and spread) now, rather than at the next beat."""

    permission_classes = [IsReviewer]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, campaign_id: int) -> Response:
        services.campaign_competence_request(campaign=_campaign(campaign_id), by=request.user)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class AdjudicationQueueApi(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, campaign_id: int) -> Response:
        return Response([asdict(row) for row in selectors.adjudication_queue(_campaign(campaign_id))])


class AdjudicationSerializer(serializers.Serializer):
    safe = serializers.BooleanField(required=False, allow_null=True, default=None)
    score = serializers.IntegerField(required=False, allow_null=True, default=None)
    preferred = serializers.ChoiceField(
        choices=Preference.choices,
        required=False,
        allow_blank=True,
        default="",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def adjudication_input(self) -> AdjudicationInput:
        return AdjudicationInput.of(self.validated_data)


class AdjudicationApi(APIView):
    """Set an item's final label or score, with a note; the judges show by pseudonym."""

    permission_classes = [IsReviewer]

    @extend_schema(operation_id="campaigns_quality_adjudication_item_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, campaign_id: int, item_id: int) -> Response:
        item = get_object_or_404(Item, campaign_id=campaign_id, pk=item_id)
        final = selectors.item_final_values([campaign_id], item_ids=[item.pk]).get(item.pk)
        return Response(
            {
                "item": item.pk,
                "judgements": [
                    {
                        "judge": j.user.annotator_profile.pseudonym,
                        "safe": j.safe,
                        "score": j.score,
                        "preferred": j.preferred,
                        "strength": j.strength,
                        "response_type": j.response_type,
                        "reason": j.reason,
                        "voided": j.voided_at is not None,
                        "excluded": j.excluded,
                    }
                    for j in selectors.item_judgements_for_review(item)
                ],
                "final": asdict(final) if final else None,
                "model_estimate": item.estimate_safe,
            }
        )

    @extend_schema(request=AdjudicationSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, campaign_id: int, item_id: int) -> Response:
        item = get_object_or_404(Item.objects.select_related("campaign"), campaign_id=campaign_id, pk=item_id)
        form = AdjudicationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.item_adjudicate(item=item, by=request.user, data=form.adjudication_input())
        final = selectors.item_final_values([campaign_id], item_ids=[item.pk])[item.pk]
        return Response({"item": item.pk, "final": asdict(final)})


class FinalValuesApi(APIView):
    """Every regular item's final value and its provenance (unanimous, majority, adjudicated,
    model_estimate, or tie_unsafe: judges tied with no model estimate, counted unsafe), with the Dawid–Skene label a worker stored for it (safety; None before)."""

    permission_classes = [IsReviewer]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(campaign_id)
        finals = selectors.item_final_values([campaign.pk])
        estimates = selectors.item_estimates([campaign.pk])
        return Response(
            [
                {"item": pk, **asdict(f), "model_estimate": estimates.get(pk)}
                for pk, f in sorted(finals.items())
            ]
        )
