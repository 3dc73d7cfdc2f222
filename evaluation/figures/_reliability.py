"""Each judge's reliability without gold, for the agreement and results snapshots.

Safety judgements get Dawid–Skene and MACE (``metrics.reliability``): per judge, DS accuracy, how
often they catch an unsafe response and clear a safe one, and MACE competence; per item, the DS
label, which Results shows next to the majority vote. Ratings get each expert's bias and spread
against the leave-one-out consensus, and the flags they raise (harsh, lenient, erratic, low gold
accuracy). Computed by the worker that computes the snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import asdict
from typing import Any

import numpy as np

from annotation.models import Campaign
from annotation.quality.selectors import gold_upper_bound
from metrics.agreement import ReliabilityMatrix
from metrics.reliability import (
    RatingThresholds,
    ReliabilityResult,
    dawid_skene,
    mace,
    rating_bias,
    rating_flags,
)
from metrics.scores import Estimate, majority_safe, proportion


def _triples(matrix: ReliabilityMatrix) -> list[tuple[Hashable, Hashable, float]]:
    rows, cols = np.nonzero(~np.isnan(matrix.values))
    values = matrix.values[rows, cols].tolist()
    return [
        (matrix.item_ids[r], matrix.judge_ids[c], v)
        for r, c, v in zip(rows.tolist(), cols.tolist(), values, strict=True)
    ]


def _number(value: float | None) -> float | None:
    return None if value is None or value != value else float(value)  # NaN is not JSON


def _fit(model: ReliabilityResult, majority: dict[Hashable, bool | None]) -> dict[str, Any]:
    differs = sum(1 for item, label in model.labels.items() if label != majority.get(item))
    return {
        "iterations": model.iterations,
        "converged": model.converged,
        "prior_safe": _number(model.priors.get(True)),
        "differs_from_majority": differs,
    }


def safety_reliability(
    matrix: ReliabilityMatrix, *, gold: dict[int, Estimate]
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """Per judge (user id) the figures for the annotator table, and a summary of both fits.

    ``matrix`` holds safety judgements (1 = safe, 0 = unsafe). Per judge: ``ds_accuracy``,
    ``ds_catches_unsafe`` (DS recall of unsafe), ``ds_clears_safe`` (DS recall of safe),
    ``mace_competence`` (1 − the probability of spamming) and ``gold_accuracy`` (from ``gold``,
    None without gold answers).
    """
    triples = [(item, judge, value == 1.0) for item, judge, value in _triples(matrix)]
    votes: dict[Hashable, list[bool]] = defaultdict(list)
    for item, _, safe in triples:
        votes[item].append(safe)
    majority = {item: majority_safe(v) for item, v in votes.items()}
    ds, by_mace = dawid_skene(triples), mace(triples)
    per_judge = {}
    for judge, competence in ds.judges.items():
        per_judge[judge] = {
            "ds_accuracy": _number(competence.accuracy),
            "ds_catches_unsafe": _number(competence.recall.get(False)),
            "ds_clears_safe": _number(competence.recall.get(True)),
            "mace_competence": _number(by_mace.judges[judge].competence),
            "gold_accuracy": _estimate(gold.get(judge)),
        }
    summary = {
        "dawid_skene": _fit(ds, majority),
        "mace": _fit(by_mace, majority),
        "gold_judges": sum(1 for judge in per_judge if judge in gold),
    }
    return per_judge, summary


def rating_reliability(
    matrix: ReliabilityMatrix, *, gold: dict[int, Estimate], thresholds: RatingThresholds
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """Per judge (user id): ``bias`` and ``spread`` against the leave-one-out consensus, the
    ``consensus_items`` they rest on, ``gold_accuracy`` (from ``gold``) and the ``flags`` these
    raise under ``thresholds``; the summary says the thresholds and how many judges are flagged."""
    per_judge = {
        judge: {
            "bias": _number(figures.bias),
            "spread": _number(figures.spread),
            "consensus_items": figures.items,
            "gold_accuracy": _estimate(gold.get(judge)),
            "flags": list(
                rating_flags(
                    bias=figures.bias,
                    spread=figures.spread,
                    items=figures.items,
                    thresholds=thresholds,
                    gold_high=gold_upper_bound(gold.get(judge)),
                )
            ),
        }
        for judge, figures in rating_bias(_triples(matrix)).items()
    }
    return per_judge, {
        "gold_judges": sum(1 for judge in per_judge if judge in gold),
        "flagged": sum(1 for figures in per_judge.values() if figures["flags"]),
        "thresholds": asdict(thresholds),
    }


def reliability_for(
    kind: str, matrix: ReliabilityMatrix, *, gold: dict[int, Estimate], thresholds: RatingThresholds
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    if kind == Campaign.Kind.SAFETY:
        return safety_reliability(matrix, gold=gold)
    return rating_reliability(matrix, gold=gold, thresholds=thresholds)


def _estimate(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {k: _number(v) if isinstance(v, float) else v for k, v in asdict(estimate).items()}


def safety_by_dawid_skene(
    rows: list[tuple[int, int, str, bool]],
) -> tuple[dict[str, Estimate], dict[str, Any]]:
    """Per model, the share of its items whose Dawid–Skene label is safe (Wilson interval), from
    ``(item id, user id, model name, safe)`` rows; and a summary of the fit. One fit over every
    item of the scope, so each judge's competence rests on all they judged."""
    ds = dawid_skene([(item, user, safe) for item, user, _, safe in rows])
    model_of = {item: model for item, _, model, _ in rows}
    votes: dict[int, list[bool]] = defaultdict(list)
    for item, _, _, safe in rows:
        votes[item].append(safe)
    safe_items: dict[str, int] = defaultdict(int)
    all_items: dict[str, int] = defaultdict(int)
    for item, label in ds.labels.items():
        all_items[model_of[item]] += 1
        safe_items[model_of[item]] += bool(label)
    per_model = {model: proportion(safe_items[model], n) for model, n in all_items.items()}
    majority = {item: majority_safe(v) for item, v in votes.items()}
    return per_model, {"items": len(ds.labels), **_fit(ds, majority)}
