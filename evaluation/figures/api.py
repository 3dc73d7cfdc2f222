"""The dashboards' figures as JSON: the same snapshots, the same filters, the same permissions."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Campaign
from common.roles import IsReviewer
from evaluation.figures import services
from evaluation.figures.forms import FigureFilterForm
from evaluation.figures.selectors import figures_for_reader
from evaluation.models import FigureSnapshot


class FigureSnapshotSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField(
        help_text=_(
            "The figures. Every score (per model, per risk scenario, per domain) and every agreement "
            "coefficient carries `reliability`: `alpha`, Krippendorff's α of the judgements under it "
            "(nominal for safety verdicts, interval for ratings), and `band`: unreliable below 0.667, "
            "tentative from 0.667 to 0.800, reliable from 0.800, null when α cannot be computed."
        )
    )
    reason = serializers.CharField(
        source="failure_reason",
        read_only=True,
        help_text=_("Why the last computation failed, in the request's language; empty unless failed."),
    )

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
            "reason",
            "figures",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_figures(self, snapshot: FigureSnapshot) -> dict[str, Any] | None:
        return figures_for_reader(snapshot.payload)


FILTERS = [
    OpenApiParameter(
        "campaigns", OpenApiTypes.INT, many=True, description="Campaign ids; none: every campaign."
    ),
    OpenApiParameter("model", OpenApiTypes.INT, description="Registered model id."),
    OpenApiParameter("domain", OpenApiTypes.INT, description="Domain id."),
    OpenApiParameter("scenario", OpenApiTypes.INT, description="Risk scenario id."),
    OpenApiParameter("since", OpenApiTypes.DATE, description="Judged on or after this day."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Judged on or before this day."),
    OpenApiParameter(
        "include_incomplete",
        OpenApiTypes.BOOL,
        description="Count items that do not have all N judgements yet (default: only complete items). "
        "The figures' `counting` says which was used.",
    ),
]


SNAPSHOT_RESPONSES = {
    200: FigureSnapshotSerializer,
    202: FigureSnapshotSerializer,
    500: FigureSnapshotSerializer,
}
SNAPSHOT_DESCRIPTION = (
    "200 with the figures once a worker computed them (and with the last figures, "
    "`status` failed, when a recompute failed); 202 while it computes (ask again); 500 when the "
    "computation failed and there are no figures: `reason` says so in the request's language, "
    "`error` is the technical detail. A failed computation stays failed until someone recomputes "
    "it (the Recompute button of the page)."
)


class FigureSnapshotApi(APIView):
    """A kind of snapshot figures, filtered as the dashboards (model judges use it too)."""

    permission_classes = [permissions.IsAuthenticated, IsReviewer]
    kind = ""

    @extend_schema(parameters=FILTERS, responses=SNAPSHOT_RESPONSES, description=SNAPSHOT_DESCRIPTION)
    def get(self, request: Request, campaign_id: int | None = None) -> Response:
        campaign = get_object_or_404(Campaign, pk=campaign_id) if campaign_id is not None else None
        form = FigureFilterForm(request.query_params or None, campaign=campaign)
        if form.errors:
            return Response({"errors": form.errors.get_json_data()}, status=400)
        return snapshot_response(services.figure_snapshot_request(kind=self.kind, scope=form.scope()))


def snapshot_response(snapshot: FigureSnapshot) -> Response:
    """A snapshot as the API answers it: 200 with figures, 202 while computing, 500 failed."""
    if snapshot.status == FigureSnapshot.Status.READY or snapshot.payload is not None:
        return Response(FigureSnapshotSerializer(snapshot).data)
    if snapshot.status == FigureSnapshot.Status.FAILED:
        # Not 202: asking again would never bring figures, only the same failure.
        return Response(FigureSnapshotSerializer(snapshot).data, status=500)
    return Response(FigureSnapshotSerializer(snapshot).data, status=202, headers={"Retry-After": "2"})


class ResultsApi(FigureSnapshotApi):
    kind = FigureSnapshot.Kind.RESULTS


class AgreementApi(FigureSnapshotApi):
    kind = FigureSnapshot.Kind.AGREEMENT
