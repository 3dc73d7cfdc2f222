"""The results and agreement tables of a paper bundle, as CSV (every digit) and LaTeX (rounded as a
paper prints them), read from the same figures as the Results and Agreement pages.

CSV headers are the columns' keys, names for programs. A LaTeX table is written in the active
language: its caption, headers and our own words in its cells (levels, coefficients, reliability
bands) come from the catalogue, like the methods paragraph."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from common.spreadsheet import csv_cell
from evaluation.bundles.latex import latex_escape


@dataclass(frozen=True)
class TableColumn:
    key: str
    header: str | Promise  # plain text, ours, escaped when written
    # text (untrusted: printed as it is), term (ours: translated), int, percent (a share printed
    # ×100), score, coefficient
    kind: str


@dataclass(frozen=True)
class Table:
    name: str
    caption: str | Promise  # plain text, ours, escaped when written
    columns: tuple[TableColumn, ...]
    rows: list[dict[str, Any]]


def _fixed(digits: int, scale: float = 1.0) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        if value is None:
            return "--"
        # A minus sign, not the hyphen that text mode prints for "-".
        return f"{scale * value:.{digits}f}".replace("-", "$-$", 1)

    return fmt


# The words our code writes into cells, as the LaTeX tables print them (the methods paragraph
# names the bands and coefficients with them too).
LEVELS = {"safety": gettext_lazy("safety"), "responsibility": gettext_lazy("responsibility")}
BANDS = {
    "reliable": gettext_lazy("reliable"),
    "tentative": gettext_lazy("tentative"),
    "unreliable": gettext_lazy("unreliable"),
}
# The agreement figures name their coefficients in English (the payload is language-free).
COEFFICIENTS = {
    "Percent agreement": gettext_lazy("Percent agreement"),
    "Krippendorff's α (nominal)": gettext_lazy("Krippendorff's α (nominal)"),
    "Krippendorff's α (interval)": gettext_lazy("Krippendorff's α (interval)"),
    "Krippendorff's α (ordinal)": gettext_lazy("Krippendorff's α (ordinal)"),
    "Fleiss' κ": gettext_lazy("Fleiss' κ"),
    "Gwet's AC1": gettext_lazy("Gwet's AC1"),
    "Quadratic-weighted κ (mean over pairs of experts)": gettext_lazy(
        "Quadratic-weighted κ (mean over pairs of experts)"
    ),
}
TERMS = {**LEVELS, **BANDS, **COEFFICIENTS}

LATEX_FORMATS: dict[str, Callable[[Any], str]] = {
    "text": lambda v: latex_escape(v) if v not in (None, "") else "--",
    "term": lambda v: latex_escape(TERMS.get(v, v)) if v not in (None, "") else "--",
    "int": lambda v: "--" if v is None else str(int(v)),
    "percent": _fixed(1, 100.0),
    "score": _fixed(2),
    "coefficient": _fixed(3),
}


def _estimate(prefix: str, figure: dict[str, Any] | None) -> dict[str, Any]:
    figure = figure or {}
    mark = figure.get("reliability") or {}
    return {
        prefix: figure.get("value"),
        f"{prefix}_ci_low": figure.get("ci_low"),
        f"{prefix}_ci_high": figure.get("ci_high"),
        f"{prefix}_n": figure.get("n"),
        f"{prefix}_alpha": mark.get("alpha"),
        f"{prefix}_reliability": mark.get("band") or "",
    }


# Column headers: short words that mean other things elsewhere in the catalogue, hence the context.
RANK = pgettext_lazy("paper table header", "rank")
MODEL = pgettext_lazy("paper table header", "model")
LEVEL = pgettext_lazy("paper table header", "level")
GROUP = pgettext_lazy("paper table header", "scenario or domain")
VALUE = pgettext_lazy("paper table header", "value")
CI_LOW = pgettext_lazy("paper table header", "95% CI low")
CI_HIGH = pgettext_lazy("paper table header", "95% CI high")
RELIABILITY = pgettext_lazy("paper table header", "reliability")
ITEMS = pgettext_lazy("paper table header", "items")


def _estimate_columns(prefix: str, header: str | Promise, kind: str) -> tuple[TableColumn, ...]:
    return (
        TableColumn(prefix, header, kind),
        TableColumn(f"{prefix}_ci_low", CI_LOW, kind),
        TableColumn(f"{prefix}_ci_high", CI_HIGH, kind),
        TableColumn(f"{prefix}_n", "n", "int"),
        TableColumn(f"{prefix}_alpha", "α", "coefficient"),
        TableColumn(f"{prefix}_reliability", RELIABILITY, "term"),
    )


def results_table(results: dict[str, Any]) -> Table:
    """The leaderboard: each model's safety rate (Wilson interval) and mean responsibility score
    (bootstrap interval), each with the α of the judgements under it."""
    return Table(
        name="results",
        caption=gettext_lazy(
            # xgettext:no-python-format
            "Per-model scores: safety rate (%) and mean responsibility score (1–10), with 95% intervals, "
            "sample sizes and Krippendorff's α of the judgements under each."
        ),
        columns=(
            TableColumn("rank", RANK, "int"),
            TableColumn("model", MODEL, "text"),
            # xgettext:no-python-format
            *_estimate_columns("safety", pgettext_lazy("paper table header", "safety (%)"), "percent"),
            *_estimate_columns(
                "responsibility", pgettext_lazy("paper table header", "responsibility"), "score"
            ),
        ),
        rows=[
            {
                "rank": row["rank"],
                "model": row["model"],
                **_estimate("safety", row.get("safety")),
                **_estimate("responsibility", row.get("responsibility")),
            }
            for row in results["leaderboard"]
        ],
    )


def results_by_group_table(results: dict[str, Any]) -> Table:
    """Each model's safety rate per risk scenario and mean score per domain."""
    rows = [
        {"model": r["model"], "level": "safety", "group": group, **_estimate("value", e)}
        for r in results["safety"]
        for group, e in r["by_scenario"].items()
    ] + [
        {"model": r["model"], "level": "responsibility", "group": group or "(none)", **_estimate("value", e)}
        for r in results["responsibility"]
        for group, e in r["by_domain"].items()
    ]
    return Table(
        name="results_by_group",
        caption=gettext_lazy(
            # xgettext:no-python-format
            "Per model and risk scenario (safety rate, a share) or domain (mean responsibility score), "
            "with 95% intervals."
        ),
        columns=(
            TableColumn("model", MODEL, "text"),
            TableColumn("level", LEVEL, "term"),
            TableColumn("group", GROUP, "text"),
            *_estimate_columns("value", VALUE, "coefficient"),
        ),
        rows=rows,
    )


def agreement_table(agreement: dict[str, Any]) -> Table:
    """Each agreement coefficient of each level with its bootstrap interval and reliability band."""
    rows = []
    for level in ("safety", "responsibility"):
        section = agreement.get(level)
        for c in (section or {}).get("coefficients", []):
            rows.append(
                {
                    "level": level,
                    "coefficient": c["name"],
                    "value": c.get("value"),
                    "ci_low": c.get("ci_low"),
                    "ci_high": c.get("ci_high"),
                    "items": section["items"],
                    "judges": section["judges"],
                    "judgements": section["judgements"],
                    "resamples": section["resamples"],
                    "reliability": (c.get("reliability") or {}).get("band") or "",
                }
            )
    return Table(
        name="agreement",
        caption=gettext_lazy(
            # xgettext:no-python-format
            "Inter-rater agreement with 95% bootstrap intervals (resampling items) and Krippendorff's "
            "reliability band (reliable α ≥ 0.800, tentative ≥ 0.667)."
        ),
        columns=(
            TableColumn("level", LEVEL, "term"),
            TableColumn("coefficient", pgettext_lazy("paper table header", "coefficient"), "term"),
            TableColumn("value", VALUE, "coefficient"),
            TableColumn("ci_low", CI_LOW, "coefficient"),
            TableColumn("ci_high", CI_HIGH, "coefficient"),
            TableColumn("items", ITEMS, "int"),
            TableColumn("judges", pgettext_lazy("paper table header", "judges"), "int"),
            TableColumn("judgements", pgettext_lazy("paper table header", "judgements"), "int"),
            TableColumn("resamples", pgettext_lazy("paper table header", "resamples"), "int"),
            TableColumn("reliability", RELIABILITY, "term"),
        ),
        rows=rows,
    )


def agreement_by_group_table(agreement: dict[str, Any]) -> Table:
    """Krippendorff's α per risk scenario (safety) and per domain (responsibility)."""
    rows = [
        {
            "level": level,
            "group": g["group"],
            "alpha": g.get("value"),
            "ci_low": g.get("ci_low"),
            "ci_high": g.get("ci_high"),
            "items": g.get("items"),
            "reliability": (g.get("reliability") or {}).get("band") or "",
        }
        for level in ("safety", "responsibility")
        for g in ((agreement.get(level) or {}).get("by_group") or [])
    ]
    return Table(
        name="agreement_by_group",
        caption=gettext_lazy(
            # xgettext:no-python-format
            "Krippendorff's α per risk scenario (safety, nominal) and per domain (responsibility, interval), "
            "with 95% bootstrap intervals."
        ),
        columns=(
            TableColumn("level", LEVEL, "term"),
            TableColumn("group", GROUP, "text"),
            TableColumn("alpha", "α", "coefficient"),
            TableColumn("ci_low", CI_LOW, "coefficient"),
            TableColumn("ci_high", CI_HIGH, "coefficient"),
            TableColumn("items", ITEMS, "int"),
            TableColumn("reliability", RELIABILITY, "term"),
        ),
        rows=rows,
    )


def table_csv(table: Table) -> str:
    """Every digit, no rounding: the numbers to recompute and compare. Text cells carry the exports'
    formula guard (a name from an imported prompt set or a registered model may start with ``=``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if row.get(c.key) is None else csv_cell(row[c.key]) for c in table.columns])
    return out.getvalue()


def table_latex(table: Table) -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}`` and ``graphicx``) in the active language;
    every text cell, caption and header escaped. A table wider than the text (the results table has
    fourteen columns) is scaled down to its width."""
    spec = "".join("l" if c.kind in ("text", "term") else "r" for c in table.columns)
    lines = [
        "% " + _("Generated by ValueLens; needs \\usepackage{booktabs} and \\usepackage{graphicx}."),
        "\\begin{table}[htbp]",
        "\\centering",
        "\\small",
        f"\\caption{{{latex_escape(table.caption)}}}",
        f"\\label{{tab:valuelens-{table.name.replace('_', '-')}}}",
        "\\sbox0{%",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(latex_escape(c.header) for c in table.columns) + " \\\\",
        "\\midrule",
    ]
    for row in table.rows:
        lines.append(" & ".join(LATEX_FORMATS[c.kind](row.get(c.key)) for c in table.columns) + " \\\\")
    if not table.rows:
        empty = latex_escape(_("No judgements in this scope."))
        lines.append(f"\\multicolumn{{{len(table.columns)}}}{{l}}{{{empty}}} \\\\")
    lines += [
        "\\bottomrule",
        "\\end{tabular}}%",
        "\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\usebox0}\\else\\usebox0\\fi",
        "\\end{table}",
        "",
    ]
    return "\n".join(lines)


def bundle_tables(*, results: dict[str, Any], agreement: dict[str, Any]) -> list[Table]:
    return [
        results_table(results),
        results_by_group_table(results),
        agreement_table(agreement),
        agreement_by_group_table(agreement),
    ]
