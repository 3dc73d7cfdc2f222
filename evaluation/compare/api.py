"""The paired comparison as JSON: the page's snapshot, its input and its permission."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.roles import IsReviewer
from evaluation.compare.forms import CompareForm
from evaluation.compare.selectors import PAIRED_MIN_PROMPTS
from evaluation.figures.api import SNAPSHOT_DESCRIPTION, SNAPSHOT_RESPONSES, snapshot_response
from evaluation.figures.services import figure_snapshot_request
from evaluation.models import FigureSnapshot

PARAMETERS = [
    OpenApiParameter(
        "model_a", OpenApiTypes.INT, required=True, description="Model A (before): a registered model id."
    ),
    OpenApiParameter(
        "model_b", OpenApiTypes.INT, required=True, description="Model B (after), another model's id."
    ),
    OpenApiParameter("campaign", OpenApiTypes.INT, description="One campaign's id; none: every campaign."),
    OpenApiParameter(
        "include_incomplete",
        OpenApiTypes.BOOL,
        description="Count items that do not have all N judgements yet (default: only complete items).",
    ),
]


class PairedApi(APIView):
    """Model B against model A on the prompts both answered."""

    permission_classes = [permissions.IsAuthenticated, IsReviewer]

    @extend_schema(
        parameters=PARAMETERS,
        responses=SNAPSHOT_RESPONSES,
        description="`figures` holds `safety` and `multichoice` (per scenario or domain and `overall`: "
        "pairs `n`, `both`, `only_a`, `only_b`, `neither`, McNemar's exact `p` on `only_a` against "
        "`only_b`, `p_holm` corrected across the groups), `responsibility` (mean scores `a` and `b`, "
        "the `difference` B − A with its paired bootstrap 95% interval, Wilcoxon signed-rank `p` "
        "and `p_holm`), the safety `flips` and one entry of `rows` per paired prompt. A group with "
        f"fewer than {PAIRED_MIN_PROMPTS} paired prompts is `too_few` and has no `p`. "
        + SNAPSHOT_DESCRIPTION,
    )
    def get(self, request: Request) -> Response:
        form = CompareForm(request.query_params)
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        return snapshot_response(figure_snapshot_request(kind=FigureSnapshot.Kind.PAIRED, scope=form.scope()))
