"""The study designer as JSON: the same parameters as the page, the same simulation, the same
result."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.roles import IsReviewer
from evaluation.design import services
from evaluation.design.forms import StudyDesignForm

PARAMETERS = [
    OpenApiParameter(
        "campaign", OpenApiTypes.INT, description="A safety campaign whose judges' stored competences to use."
    ),
    OpenApiParameter(
        "competences",
        OpenApiTypes.STR,
        description="Stated competences, 0.5 to 1, comma-separated: one for a pool of identical judges, "
        "or one per judge. Give this or `campaign`.",
    ),
    OpenApiParameter(
        "safe_share", OpenApiTypes.FLOAT, required=True, description="Expected share safe, (0, 1)."
    ),
    OpenApiParameter(
        "score_width",
        OpenApiTypes.FLOAT,
        required=True,
        description="Target full width of the score's 95% interval.",
    ),
    OpenApiParameter(
        "alpha_width", OpenApiTypes.FLOAT, required=True, description="Target full width of α's 95% interval."
    ),
    OpenApiParameter(
        "max_judges", OpenApiTypes.INT, required=True, description="Designs of 1 to this many (≤ 7)."
    ),
]
DESCRIPTION = (
    "For 1 to `max_judges` judges per item: the items needed to reach both target widths, the "
    "expected α with its `reliability` band, and the `recommended` design (fewest judgements). "
    "200 with `status` ready (or failed, with `error`); 202 with `status` pending while a worker "
    "simulates (ask again); 400 with translated `errors`."
)


class StudyDesignApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsReviewer]

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT}, description=DESCRIPTION)
    def get(self, request: Request) -> Response:
        form = StudyDesignForm(request.query_params)
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        design = services.study_design_request(parameters=form.parameters())
        if design["status"] == "pending":
            return Response(design, status=202, headers={"Retry-After": "2"})
        return Response(design)
