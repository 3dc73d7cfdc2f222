"""The study designer's simulation, run by a worker: a pilot of thousands of simulated items per
design and hundreds of bootstrap resamples of α take seconds, too long for a request. Results
are kept in the cache under their parameters (the simulation is seeded, so equal parameters give
equal figures); a page or an API call asks, and polls until they are there."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from common.queue import task_enqueue
from evaluation.figures.selectors import reliability_of
from metrics.study_design import study_design, study_design_best

logger = logging.getLogger(__name__)

# Bump when the payload's shape changes: older results are then computed again.
VERSION = 1
RESULT_TTL_S = 7 * 24 * 3600
# A worker that died leaves the request pending this long before another asks again.
PENDING_TTL_S = 120


def simulation_size() -> tuple[int, int]:
    """Pilot items per design and bootstrap resamples of α (settings; the tests make them small)."""
    return (
        int(getattr(settings, "STUDY_DESIGN_PILOT_ITEMS", 4000)),
        int(getattr(settings, "STUDY_DESIGN_RESAMPLES", 300)),
    )


def _key(parameters: dict[str, Any]) -> str:
    pilot, resamples = simulation_size()
    text = json.dumps({**parameters, "pilot": pilot, "resamples": resamples, "v": VERSION}, sort_keys=True)
    return f"study-design:{hashlib.sha256(text.encode()).hexdigest()}"


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def study_design_compute(*, parameters: dict[str, Any]) -> dict[str, Any]:
    """Simulate every design from 1 to ``max_judges`` judges per item and keep the result (or
    the failure) in the cache for the pages and the API."""
    pilot, resamples = simulation_size()
    started = time.perf_counter()
    try:
        options = study_design(
            competences=parameters["competences"],
            safe_share=parameters["safe_share"],
            score_width=parameters["score_width"],
            alpha_width=parameters["alpha_width"],
            judges_per_item=range(1, parameters["max_judges"] + 1),
            pilot_items=pilot,
            resamples=resamples,
        )
        best = study_design_best(options)
        payload: dict[str, Any] = {
            "status": "ready",
            "parameters": parameters,
            "pilot_items": pilot,
            "resamples": resamples,
            "recommended": best.judges_per_item if best else None,
            # α is per pair of judgements: more judges per item narrow its interval, not raise it.
            "expected_reliability": reliability_of(best.alpha if best else math.nan),
            "designs": [
                {
                    "judges_per_item": o.judges_per_item,
                    "majority_accuracy": o.majority_accuracy,
                    "safety_score": o.safety_score,
                    "score_bias": o.score_bias,
                    "alpha": _number(o.alpha),
                    "reliability": reliability_of(o.alpha),
                    "items_for_score": o.items_for_score,
                    "items_for_alpha": o.items_for_alpha,
                    "items": o.items,
                    "judgements": o.judgements,
                    "recommended": best is not None and o.judges_per_item == best.judges_per_item,
                }
                for o in options
            ],
        }
    except Exception as failure:
        logger.exception("study design failed for %s", parameters)
        payload = {
            "status": "failed",
            "parameters": parameters,
            "error": f"{type(failure).__name__}: {failure}",
        }
    payload["compute_ms"] = int((time.perf_counter() - started) * 1000)
    # A failure is kept briefly: long enough to show it, not so long that a fix waits a week.
    cache.set(_key(parameters), payload, RESULT_TTL_S if payload["status"] == "ready" else PENDING_TTL_S)
    cache.delete(f"{_key(parameters)}:pending")
    return payload


def study_design_request(*, parameters: dict[str, Any]) -> dict[str, Any]:
    """The simulation's result for these parameters, or ``{"status": "pending"}`` after queueing
    it for a worker (once: a second request while it runs queues nothing)."""
    found = cache.get(_key(parameters))
    if found is not None:
        return found
    if cache.add(f"{_key(parameters)}:pending", True, PENDING_TTL_S):
        task_enqueue("evaluation.tasks.study_design_compute", parameters)
        # An eager worker (CELERY_TASK_ALWAYS_EAGER, as in the tests) has already answered.
        found = cache.get(_key(parameters))
    return found or {"status": "pending", "parameters": parameters}
