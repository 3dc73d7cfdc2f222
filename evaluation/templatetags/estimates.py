"""Estimates as people read them: the value, its 95% interval and n; a dash when undefined."""

from __future__ import annotations

import math

from django import template

from metrics.scores import Estimate

register = template.Library()


def _undefined(value: float) -> bool:
    return value is None or math.isnan(value)


@register.filter
def percent(estimate: Estimate | None) -> str:
    if estimate is None or _undefined(estimate.value):
        return "—"
    text = f"{100 * estimate.value:.1f}%"
    if not _undefined(estimate.ci_low):
        text += f" ({100 * estimate.ci_low:.1f}–{100 * estimate.ci_high:.1f})"
    return f"{text}, n = {estimate.n}"


@register.filter
def score(estimate: Estimate | None) -> str:
    if estimate is None or _undefined(estimate.value):
        return "—"
    text = f"{estimate.value:.2f}"
    if not _undefined(estimate.ci_low):
        text += f" ({estimate.ci_low:.2f}–{estimate.ci_high:.2f})"
    return f"{text}, n = {estimate.n}"


@register.filter
def coefficient(value: float | None) -> str:
    return "—" if _undefined(value) else f"{value:+.2f}"
