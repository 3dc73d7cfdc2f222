"""The rankings as JSON: the page's snapshot, its input and its permission."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.roles import IsReviewer
from evaluation.figures.api import SNAPSHOT_DESCRIPTION, SNAPSHOT_RESPONSES, snapshot_response
from evaluation.figures.services import figure_snapshot_request
from evaluation.models import FigureSnapshot
from evaluation.rankings.forms import RankingsForm
from evaluation.rankings.selectors import RANKING_MIN_VOTES

PARAMETERS = [
    OpenApiParameter(
        "campaign", OpenApiTypes.INT, description="One pairwise campaign's id; none: every one."
    ),
    OpenApiParameter(
        "include_incomplete",
        OpenApiTypes.BOOL,
        description="Count items that do not have all N judgements yet (default: only complete items).",
    ),
]


class RankingsApi(APIView):
    """Bradley–Terry rankings of the models compared in pairwise campaigns."""

    permission_classes = [permissions.IsAuthenticated, IsReviewer]

    @extend_schema(
        parameters=PARAMETERS,
        responses=SNAPSHOT_RESPONSES,
        description="`figures` holds `overall` and `groups` (per risk scenario or domain): `votes`, "
        "`ties`, `both_bad` and `rows`, one per model best first (`rank`, `model`, Bradley–Terry "
        "log-strength `score` with its bootstrap 95% interval `ci_low`–`ci_high`, the same as an "
        "Elo-like `rating` (mean 1000, 400/ln 10 points per unit) with `rating_low`–`rating_high`, "
        f"`votes`, `too_few` under {RANKING_MIN_VOTES} votes). A tie or a both-bad vote counts as half "
        "a win to each side; an adjudicated item counts as the reviewer's choice once per vote. "
        "`win_matrix.cells`: per ordered pair of models the share of decisive votes the first won. "
        "`position_bias`: the share of decisive votes that went to the answer shown on the left, "
        "with its Wilson interval. " + SNAPSHOT_DESCRIPTION,
    )
    def get(self, request: Request) -> Response:
        form = RankingsForm(request.query_params)
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        return snapshot_response(
            figure_snapshot_request(kind=FigureSnapshot.Kind.RANKINGS, scope=form.scope())
        )
