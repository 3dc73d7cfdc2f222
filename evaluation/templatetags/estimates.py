"""Figures as people read them, in every evaluation page: an estimate's value, its 95% interval
and n; a dash when undefined. Estimates arrive as `metrics.scores.Estimate` objects (multi-choice
pages) or as their dict form from a snapshot's payload (dashboards); chart data for the latter."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from metrics.scores import Estimate

register = template.Library()


def _undefined(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: float, decimals: int | None = None) -> str:
    """In the page's locale (decimal mark, digit grouping as the locale's format files set them)."""
    return number_format(round(value, decimals) if decimals is not None else value, decimal_pos=decimals)


@register.filter
def percent(estimate: Estimate | None) -> str:
    if estimate is None or _undefined(estimate.value):
        return "—"
    text = f"{_number(100 * estimate.value, 1)}%"
    if not _undefined(estimate.ci_low):
        text += f" ({_number(100 * estimate.ci_low, 1)}–{_number(100 * estimate.ci_high, 1)})"
    return f"{text}, n = {_number(estimate.n)}"


@register.filter
def score(estimate: Estimate | None) -> str:
    if estimate is None or _undefined(estimate.value):
        return "—"
    text = _number(estimate.value, 2)
    if not _undefined(estimate.ci_low):
        text += f" ({_number(estimate.ci_low, 2)}–{_number(estimate.ci_high, 2)})"
    return f"{text}, n = {_number(estimate.n)}"


@register.filter
def coefficient(value: float | None) -> str:
    if _undefined(value):
        return "—"
    return ("-" if math.copysign(1, value) < 0 else "+") + _number(abs(value), 2)


@register.filter
def figure(value: Any, style: str = "") -> str:
    """A number as shown in tables: a share as a percentage ('pct'), else two decimals; '—' when
    undefined."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if style == "pct":
        return f"{_number(100 * number, 1)}%"
    return _number(number, 3 if style == "3" else 2)


@register.filter
def p_value(value: float | None) -> str:
    """A test's p-value: three decimals, '< 0.001' below that (more digits claim a precision
    that the test's assumptions do not carry), '—' when no test was run."""
    if _undefined(value):
        return "—"
    if value < 0.001:
        return f"< {_number(0.001, 3)}"
    return _number(value, 3)


@register.filter
def interval(estimate: dict[str, Any] | None, style: str = "") -> str:
    """'[low, high]' of an estimate or coefficient; '—' when it has none (never '[, ]')."""
    if not estimate or _undefined(estimate.get("ci_low")) or _undefined(estimate.get("ci_high")):
        return "—"
    return f"[{figure(estimate['ci_low'], style)}, {figure(estimate['ci_high'], style)}]"


@register.filter
def few(estimate: dict[str, Any] | None) -> str:
    """The class that greys a figure computed on too few items (see FIGURES_MIN_ITEMS)."""
    return "too-few" if estimate and estimate.get("too_few") else ""


@register.filter
def few_note(estimate: dict[str, Any] | None, minimum: int | None) -> str:
    """The note beside a greyed figure: on how many items it rests, and the minimum to read it."""
    if not estimate or not estimate.get("too_few"):
        return ""
    n = estimate.get("n", estimate.get("items")) or 0
    note = ngettext(
        "too few to read: %(n)s item, fewer than %(min)s",
        "too few to read: %(n)s items, fewer than %(min)s",
        n,
    ) % {"n": _number(n), "min": _number(minimum or 0)}
    return format_html('<small class="too-few-note" data-k="too-few">{}</small>', note)


@register.filter
def band(figure: dict[str, Any] | None) -> str:
    """The reliability badge beside a figure, from the α of the judgements under it (its
    ``reliability``): "unreliable" below 0.667, "tentative" below 0.800, nothing when reliable or
    when the figure predates the marks; "no α" when α cannot be computed. The badge says its α
    in a title for the pointer and in hidden text for screen readers."""
    mark = figure.get("reliability") if isinstance(figure, dict) else None
    if not isinstance(mark, dict) or mark.get("band") == "reliable":
        return ""
    alpha = mark.get("alpha")
    if mark.get("band") is None or alpha is None:
        word = gettext("no α")
        why = gettext(
            "Krippendorff's α cannot be computed: no item has two judgements, or every judgement is the same."
        )
        kind = "none"
    else:
        kind = mark["band"]
        word = gettext("unreliable") if kind == "unreliable" else gettext("tentative")
        why = (
            gettext(
                "Krippendorff's α = %(alpha)s, below 0.667: the judges agree too little to rely on this figure."
            )
            if kind == "unreliable"
            else gettext(
                "Krippendorff's α = %(alpha)s, between 0.667 and 0.800: read this figure as tentative."
            )
        ) % {"alpha": _number(alpha, 3)}
    return format_html(
        ' <span class="band band-{}" data-band="{}" title="{}">{}<span class="visually-hidden"> ({})</span></span>',
        kind,
        kind,
        why,
        word,
        why,
    )


@register.filter
def named(value: Any, names: dict[str, str] | None) -> Any:
    """A registry name or slug as people read it (see figure_display_names); itself when unknown."""
    return (names or {}).get(value, value)


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)


@register.simple_tag
def bar_chart(
    rows: list[dict[str, Any]],
    label_key: str,
    estimate_key: str,
    title: str,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Chart data for one bar per row with its 95% interval (drawn as a thin floating bar);
    ``estimate_key`` "self" when the rows are estimates themselves."""
    labels, values, ranges = [], [], []
    for row in rows:
        estimate = (row if estimate_key == "self" else row.get(estimate_key)) or {}
        if estimate.get("value") is None:
            continue
        labels.append(str(named(row[label_key], names)))
        values.append(estimate["value"])
        low, high = estimate.get("ci_low"), estimate.get("ci_high")
        ranges.append([low, high] if low is not None and high is not None else None)
    return {"title": title, "labels": labels, "values": values, "ranges": ranges}
