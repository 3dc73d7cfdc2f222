"""Figures as people read them, in every evaluation page: an estimate's value, its 95% interval
and n; a dash when undefined. Estimates arrive as `metrics.scores.Estimate` objects (multi-choice
pages) or as their dict form from a snapshot's payload (dashboards); chart data for the latter."""

from __future__ import annotations

import math
from typing import Any

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


@register.filter
def figure(value: Any, style: str = "") -> str:
    """A number as shown in tables: a share as a percentage ('pct'), else two decimals; '—' when
    undefined."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if style == "pct":
        return f"{100 * number:.1f}%"
    return f"{number:.2f}" if style != "3" else f"{number:.3f}"


@register.filter
def interval(estimate: dict[str, Any] | None, style: str = "") -> str:
    """'[low, high]' of an estimate or coefficient; empty when it has none."""
    if not estimate or estimate.get("ci_low") is None or estimate.get("ci_high") is None:
        return ""
    return f"[{figure(estimate['ci_low'], style)}, {figure(estimate['ci_high'], style)}]"


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)


@register.simple_tag
def bar_chart(rows: list[dict[str, Any]], label_key: str, estimate_key: str, title: str) -> dict[str, Any]:
    """Chart data for one bar per row with its 95% interval (drawn as a thin floating bar);
    ``estimate_key`` "self" when the rows are estimates themselves."""
    labels, values, ranges = [], [], []
    for row in rows:
        estimate = (row if estimate_key == "self" else row.get(estimate_key)) or {}
        if estimate.get("value") is None:
            continue
        labels.append(str(row[label_key]))
        values.append(estimate["value"])
        low, high = estimate.get("ci_low"), estimate.get("ci_high")
        ranges.append([low, high] if low is not None and high is not None else None)
    return {"title": title, "labels": labels, "values": values, "ranges": ranges}
