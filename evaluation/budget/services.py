"""The budget planner: how many people's labels reach a target half-width on a safety rate, with
a judge model (PPI++) and without one. Pure arithmetic on stated figures, so it runs inline."""

from __future__ import annotations

from typing import Any

from metrics.ppi import judge_moments_binary, labels_needed


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
    safe_share: float,
    judge_right_on_safe: float,
    judge_right_on_unsafe: float,
) -> dict[str, Any]:
    """Labels with the judge, without it, and the saving; a count is None when even labelling
    every response would not reach the half-width."""
    confusion = label_budget_confusion(
        safe_share=safe_share,
        judge_right_on_safe=judge_right_on_safe,
        judge_right_on_unsafe=judge_right_on_unsafe,
    )
    moments = judge_moments_binary(confusion=confusion)
    budget = labels_needed(half_width=half_width, moments=moments, items=responses)
    with_judge, without = budget.with_judge, budget.without_judge
    saving = without - with_judge if with_judge is not None and without is not None else None
    return {
        "parameters": {
            "half_width": half_width,
            "responses": responses,
            "safe_share": safe_share,
            "judge_right_on_safe": judge_right_on_safe,
            "judge_right_on_unsafe": judge_right_on_unsafe,
        },
        "confusion": confusion,
        "correlation": moments.correlation,
        "with_judge": with_judge,
        "without_judge": without,
        "saving": saving,
        "saving_share": saving / without if saving is not None and without else None,
        "lam": budget.lam,
        "half_width_with_judge": budget.half_width_with_judge,
        "half_width_without_judge": budget.half_width_without_judge,
    }
