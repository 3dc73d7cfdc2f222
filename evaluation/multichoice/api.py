"""A multi-choice run's scores as JSON."""

from __future__ import annotations

import math
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.roles import IsReviewer
from evaluation.models import MultiChoiceRun
from evaluation.multichoice.selectors import multichoice_run_results
from metrics.multichoice import MultiChoiceScores
from metrics.scores import Estimate


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

    permission_classes = [permissions.IsAuthenticated, IsReviewer]

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
