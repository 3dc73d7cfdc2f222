"""The dashboards' figures as JSON: the same snapshots, the same filters, the same permissions."""

from __future__ import annotations

import math
from typing import Any

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Campaign
from annotation.roles import user_can_review, user_is_admin
from evaluation import export_services, services
from evaluation.export_views import export_file_response
from evaluation.forms import FigureFilterForm
from evaluation.models import Export, FigureSnapshot, MultiChoiceRun
from evaluation.multichoice_selectors import multichoice_run_results
from evaluation.serializers import ExportCreateSerializer, ExportSerializer
from metrics.multichoice import MultiChoiceScores
from metrics.scores import Estimate


class _AnyAccept(BaseContentNegotiation):
    """The download is a zip whatever the client accepts (`Accept: application/zip` included):
    DRF's negotiation would answer 406, having no renderer for it."""

    def select_parser(self, request: Request, parsers: list) -> object:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None) -> tuple:
        return renderers[0], renderers[0].media_type


class ReviewerOrAdmin(permissions.BasePermission):
    message = "Results and agreement are for reviewers and admins."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return user_can_review(request.user)


class FigureSnapshotSerializer(serializers.ModelSerializer):
    figures = serializers.JSONField(source="payload", read_only=True)

    class Meta:
        model = FigureSnapshot
        fields = [
            "id",
            "kind",
            "status",
            "scope",
            "computed_at",
            "judgements",
            "compute_ms",
            "error",
            "figures",
        ]


FILTERS = [
    OpenApiParameter(
        "campaigns", OpenApiTypes.INT, many=True, description="Campaign ids; none: every campaign."
    ),
    OpenApiParameter("model", OpenApiTypes.INT, description="Registered model id."),
    OpenApiParameter("domain", OpenApiTypes.INT, description="Domain id."),
    OpenApiParameter("scenario", OpenApiTypes.INT, description="Risk scenario id."),
    OpenApiParameter("since", OpenApiTypes.DATE, description="Judged on or after this day."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Judged on or before this day."),
]


class _FiguresView(APIView):
    permission_classes = [permissions.IsAuthenticated, ReviewerOrAdmin]
    kind = ""

    @extend_schema(
        parameters=FILTERS,
        responses={200: FigureSnapshotSerializer, 202: FigureSnapshotSerializer},
        description="200 with the figures once a worker computed them; 202 while it computes (ask again).",
    )
    def get(self, request: Request, campaign_id: int | None = None) -> Response:
        campaign = get_object_or_404(Campaign, pk=campaign_id) if campaign_id is not None else None
        form = FigureFilterForm(request.query_params or None, campaign=campaign)
        if form.errors:
            return Response({"errors": form.errors.get_json_data()}, status=400)
        snapshot = services.figure_snapshot_request(kind=self.kind, scope=form.scope())
        if snapshot.status == FigureSnapshot.Status.READY or snapshot.payload is not None:
            return Response(FigureSnapshotSerializer(snapshot).data)
        return Response(FigureSnapshotSerializer(snapshot).data, status=202, headers={"Retry-After": "2"})


class ResultsApi(_FiguresView):
    kind = FigureSnapshot.Kind.RESULTS


class AgreementApi(_FiguresView):
    kind = FigureSnapshot.Kind.AGREEMENT


def _estimate(estimate: Estimate) -> dict[str, Any]:
    # JSON has no NaN: an undefined figure is null.
    def clean(x: float) -> float | None:
        return None if math.isnan(x) else x

    return {
        "value": clean(estimate.value),
        "n": estimate.n,
        "ci_low": clean(estimate.ci_low),
        "ci_high": clean(estimate.ci_high),
    }


def _scores(scores: MultiChoiceScores) -> dict[str, Any]:
    return {
        "acc": _estimate(scores.acc),
        "acc_star": _estimate(scores.acc_star),
        "pair_acc": _estimate(scores.pair_acc),
        "first_reply_share": _estimate(scores.first_choice),
        "counts": scores.counts,
    }


class MultiChoiceRunMetricsApi(APIView):
    """A multi-choice run's scores per model, overall, per domain and per difficulty."""

    permission_classes = [permissions.IsAuthenticated, ReviewerOrAdmin]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, run_id: int) -> Response:
        run = get_object_or_404(MultiChoiceRun, pk=run_id)
        return Response(
            {
                "run": run.pk,
                "name": run.name,
                "variant": run.variant,
                "comparable_with_cvalues": run.comparable,
                "models": [
                    {
                        "model": r.model,
                        "total": r.total,
                        "unanswered": r.unanswered,
                        "need_check_open": r.open_checks,
                        **_scores(r.scores),
                        "by_domain": {k: _scores(v) for k, v in r.by_domain.items()},
                        "by_difficulty": {k: _scores(v) for k, v in r.by_difficulty.items()},
                    }
                    for r in multichoice_run_results(run=run)
                ],
            }
        )


class IsAdminRole(permissions.BasePermission):
    message = "Only admins export data."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return user_is_admin(request.user)


class ExportApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Exports (admins): POST queues one for a worker; poll it until `status` is ready, then GET
    its `download` link (a zip with the files and their dataset card)."""

    permission_classes = [permissions.IsAuthenticated, IsAdminRole]
    serializer_class = ExportSerializer
    queryset = Export.objects.order_by("-created_at", "-id")
    filterset_fields = ["kind", "format", "status"]

    @extend_schema(request=ExportCreateSerializer, responses={202: ExportSerializer})
    def create(self, request: Request) -> Response:
        form = ExportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            export = export_services.export_create(
                kind=form.validated_data["kind"],
                fmt=form.validated_data["format"],
                scope=form.scope(),
                user=request.user,
            )
        except export_services.ExportRefused as refused:
            raise serializers.ValidationError({"detail": str(refused)}) from refused
        return Response(self.get_serializer(export).data, status=202)

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], content_negotiation_class=_AnyAccept)
    def download(self, request: Request, pk: str) -> FileResponse:
        export = self.get_object()
        if export.status != Export.Status.READY:
            raise Http404("The export is not ready.")
        return export_file_response(export)
