"""The budget planner: how many people's labels reach a target half-width on a safety rate (or a
mean score), with a judge model (PPI++) and without one. Arithmetic on stated figures, or on the
agreement a judge run measured (its labels against people's on the items both labelled: one
campaign's items, read in the request)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from annotation.models import Campaign
from common.errors import ApplicationError
from evaluation.figures.selectors import FigureScope, min_items
from evaluation.judges.ppi import judge_source_of_run, ppi_inputs
from evaluation.models import JudgeRun
from metrics.ppi import JudgeMoments, judge_moments, judge_moments_binary, labels_needed


class BudgetRejected(ApplicationError):
    """The planner cannot measure what it was asked to."""


def judge_run_agreement(*, run: JudgeRun) -> dict[str, Any]:
    """The judge's measured agreement with people: on the run campaign's items that people labelled
    (their final label, the results' own) and the run's judge model labelled too, the people × judge
    confusion (safety, 0 unsafe, 1 safe) or the paired moments (ratings). Refused with fewer than
    the figures' minimum of such items."""
    source = judge_source_of_run(run=run)
    found = (
        ppi_inputs(campaign=run.campaign, scope=FigureScope(campaign_ids=(run.campaign_id,)), source=source)
        if source.model is not None
        else None
    )
    y = np.asarray([v for values in (found.y.values() if found else []) for v in values], dtype=float)
    yhat = np.asarray([v for values in (found.yhat.values() if found else []) for v in values], dtype=float)
    needed = min_items()
    if y.size < needed:
        raise BudgetRejected(
            _(
                "This judge run and people both labelled %(n)s items; at least %(min)s are needed to "
                "measure the judge's agreement with people."
            )
            % {"n": y.size, "min": needed},
            field="judge_run",
        )
    moments = judge_moments(y=y, yhat=yhat)
    measured: dict[str, Any] = {
        "run_id": run.pk,
        "run": run.name,
        "model": source.model.name if source.model else None,
        "kind": run.campaign.kind,
        "items": int(y.size),
        "moments": {"var_y": moments.var_y, "var_yhat": moments.var_yhat, "cov": moments.cov},
        "confusion": None,
    }
    if run.campaign.kind == Campaign.Kind.SAFETY:
        measured["confusion"] = [
            [int(np.sum((y == a) & (yhat == b))) for b in (0.0, 1.0)] for a in (0.0, 1.0)
        ]
    return measured


def _budget(*, half_width: float, responses: int, moments: JudgeMoments) -> dict[str, Any]:
    budget = labels_needed(half_width=half_width, moments=moments, items=responses)
    with_judge, without = budget.with_judge, budget.without_judge
    saving = without - with_judge if with_judge is not None and without is not None else None
    return {
        "correlation": moments.correlation,
        "with_judge": with_judge,
        "without_judge": without,
        "saving": saving,
        "saving_share": saving / without if saving is not None and without else None,
        "lam": budget.lam,
        "half_width_with_judge": budget.half_width_with_judge,
        "half_width_without_judge": budget.half_width_without_judge,
    }


def label_budget_confusion(
    *, safe_share: float, judge_right_on_safe: float, judge_right_on_unsafe: float
) -> list[list[float]]:
    """The 2 × 2 table of shares, people (rows) against judge (columns), 0 unsafe and 1 safe."""
    unsafe_share = 1 - safe_share
    return [
        [unsafe_share * judge_right_on_unsafe, unsafe_share * (1 - judge_right_on_unsafe)],
        [safe_share * (1 - judge_right_on_safe), safe_share * judge_right_on_safe],
    ]


def label_budget_plan(
    *,
    half_width: float,
    responses: int,
    safe_share: float | None = None,
    judge_right_on_safe: float | None = None,
    judge_right_on_unsafe: float | None = None,
    judge_run: JudgeRun | None = None,
) -> dict[str, Any]:
    """Labels with the judge, without it, and the saving; a count is None when even labelling
    every response would not reach the half-width. The judge's agreement is the stated one, or the
    one ``judge_run`` measured (``judge_run_agreement``; then ``measured`` says on what)."""
    if judge_run is not None:
        measured = judge_run_agreement(run=judge_run)
        moments = JudgeMoments(**measured["moments"])
        return {
            "parameters": {"half_width": half_width, "responses": responses, "judge_run": judge_run.pk},
            "measured": measured,
            "confusion": measured["confusion"],
            # How the page writes a half-width: a share of responses, or score points.
            "style": "pct" if measured["kind"] == Campaign.Kind.SAFETY else "",
            **_budget(half_width=half_width, responses=responses, moments=moments),
        }
    if safe_share is None or judge_right_on_safe is None or judge_right_on_unsafe is None:
        raise BudgetRejected(_("State the judge's agreement, or choose a judge run that measured it."))
    confusion = label_budget_confusion(
        safe_share=safe_share,
        judge_right_on_safe=judge_right_on_safe,
        judge_right_on_unsafe=judge_right_on_unsafe,
    )
    moments = judge_moments_binary(confusion=confusion)
    return {
        "parameters": {
            "half_width": half_width,
            "responses": responses,
            "safe_share": safe_share,
            "judge_right_on_safe": judge_right_on_safe,
            "judge_right_on_unsafe": judge_right_on_unsafe,
        },
        "measured": None,
        "confusion": confusion,
        "style": "pct",
        **_budget(half_width=half_width, responses=responses, moments=moments),
    }
