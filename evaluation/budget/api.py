"""The budget planner as JSON: the same parameters as the page, the same arithmetic."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import ApplicationError
from common.roles import IsReviewer
from evaluation.budget import services
from evaluation.budget.forms import LabelBudgetForm

PARAMETERS = [
    OpenApiParameter(
        "half_width", OpenApiTypes.FLOAT, required=True, description="Target half-width, (0, 0.5]."
    ),
    OpenApiParameter("responses", OpenApiTypes.INT, required=True, description="Responses to score."),
    OpenApiParameter("safe_share", OpenApiTypes.FLOAT, description="Expected share safe (stated)."),
    OpenApiParameter(
        "judge_right_on_safe", OpenApiTypes.FLOAT, description="Judge's accuracy on safe (stated)."
    ),
    OpenApiParameter(
        "judge_right_on_unsafe", OpenApiTypes.FLOAT, description="Judge's accuracy on unsafe (stated)."
    ),
    OpenApiParameter(
        "judge_run",
        OpenApiTypes.INT,
        description="A judge run whose agreement with people (on items both labelled) replaces the stated "
        "figures; 400 on `judge_run` when too few items are labelled by both.",
    ),
]
DESCRIPTION = (
    "People's labels needed for a 95% interval of ± `half_width` on a safety rate: `with_judge` "
    "(PPI++), `without_judge` (people only) and the `saving`; a count is null when even labelling "
    "every response would not reach it; `measured` says what a `judge_run` measured (items, moments, "
    "confusion). 400 with translated `errors`."
)


class LabelBudgetApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsReviewer]

    @extend_schema(parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT}, description=DESCRIPTION)
    def get(self, request: Request) -> Response:
        form = LabelBudgetForm(request.query_params)
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        try:
            plan = services.label_budget_plan(**form.cleaned_data)
        except ApplicationError as refused:
            return Response(
                {"errors": {refused.field or "__all__": [{"message": refused.message}]}}, status=400
            )
        return Response(plan)
