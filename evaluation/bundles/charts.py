"""The figures of a paper bundle as SVG, drawn by matplotlib (Agg, no pyplot, no network).

Text in the figures is English and ASCII apart from the names they show (models, scenarios, domains):
those are kept as SVG text (``svg.fonttype`` none), escaped by matplotlib's XML writer, and drawn by
whatever font the reader has; a name is never read as mathtext (``text.parse_math`` off)."""

from __future__ import annotations

import io
import warnings
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from metrics.agreement import ALPHA_RELIABLE, ALPHA_TENTATIVE

RC = {
    "svg.fonttype": "none",
    # The same figures give the same bytes: the manifest's hashes then say when a figure changed.
    "svg.hashsalt": "valuelens",
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.size": 9,
}
INTERVAL = "95% interval"


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    with warnings.catch_warnings():
        # A CJK name has no glyph in matplotlib's bundled font; the SVG keeps it as text regardless.
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def _errors(points: list[dict[str, Any]], scale: float) -> tuple[list[float], list[list[float]]]:
    values = [scale * p["value"] for p in points]
    below = [
        scale * (p["value"] - (p["ci_low"] if p.get("ci_low") is not None else p["value"])) for p in points
    ]
    above = [
        scale * ((p["ci_high"] if p.get("ci_high") is not None else p["value"]) - p["value"]) for p in points
    ]
    return values, [below, above]


def _interval_chart(
    *,
    labels: list[str],
    points: list[dict[str, Any]],
    scale: float,
    xlabel: str,
    title: str,
    xlim: tuple[float, float],
    thresholds: tuple[tuple[float, str], ...] = (),
) -> str:
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(6.4, 0.9 + 0.32 * len(labels)))
        ax = figure.add_subplot()
        values, errors = _errors(points, scale)
        positions = list(range(len(labels)))[::-1]
        ax.errorbar(values, positions, xerr=errors, fmt="o", color="#1f4e79", ecolor="#7f9fbf", capsize=3)
        for threshold, name in thresholds:
            ax.axvline(
                threshold, color="#b0b0b0", linestyle="--", linewidth=0.8, label=f"{name} ({threshold:.3f})"
            )
        if thresholds:
            # Beside the axes: inside, it would cover the lowest group's interval.
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False)
        ax.set_yticks(positions, labels)
        ax.set_xlim(*xlim)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.grid(axis="x", color="#dddddd")
        ax.set_axisbelow(True)
        return _svg(figure)


def safety_chart(results: dict[str, Any]) -> str | None:
    """Each model's safety rate with its 95% Wilson interval, leaderboard order."""
    rows = [r for r in results["leaderboard"] if (r.get("safety") or {}).get("value") is not None]
    if not rows:
        return None
    return _interval_chart(
        labels=[r["model"] for r in rows],
        points=[r["safety"] for r in rows],
        scale=100.0,
        xlabel=f"Safety rate (%), {INTERVAL} (Wilson)",
        title="Safety rate per model",
        xlim=(0, 100),
    )


def responsibility_chart(results: dict[str, Any]) -> str | None:
    """Each model's mean responsibility score per domain with its 95% bootstrap interval."""
    labels, points = [], []
    for row in results["responsibility"]:
        for domain, estimate in row["by_domain"].items():
            if estimate.get("value") is not None:
                labels.append(f"{domain or '(none)'} / {row['model']}")
                points.append(estimate)
    if not points:
        return None
    return _interval_chart(
        labels=labels,
        points=points,
        scale=1.0,
        xlabel=f"Mean responsibility score (1-10), {INTERVAL} (bootstrap)",
        title="Responsibility per domain and model",
        xlim=(1, 10),
    )


def agreement_chart(agreement: dict[str, Any]) -> str | None:
    """Krippendorff's alpha per risk scenario and per domain with its 95% bootstrap interval; the
    reliability thresholds (0.667, 0.800) drawn as lines."""
    labels, points = [], []
    for level in ("safety", "responsibility"):
        for g in (agreement.get(level) or {}).get("by_group") or []:
            if g.get("value") is not None:
                labels.append(f"{level}: {g['group']}")
                points.append(g)
    if not points:
        return None
    lowest = min(p["ci_low"] if p.get("ci_low") is not None else p["value"] for p in points)
    return _interval_chart(
        labels=labels,
        points=points,
        scale=1.0,
        xlabel=f"Krippendorff's alpha, {INTERVAL} (bootstrap over items)",
        title="Agreement per risk scenario and domain",
        xlim=(min(-0.1, lowest) - 0.05, 1.0),
        thresholds=((ALPHA_TENTATIVE, "tentative"), (ALPHA_RELIABLE, "reliable")),
    )


def bundle_charts(*, results: dict[str, Any], agreement: dict[str, Any]) -> dict[str, str]:
    """The bundle's SVG figures by file name; a figure without data is left out."""
    charts = {
        "safety_by_model.svg": safety_chart(results),
        "responsibility_by_domain.svg": responsibility_chart(results),
        "agreement_by_group.svg": agreement_chart(agreement),
    }
    return {name: svg for name, svg in charts.items() if svg is not None}
