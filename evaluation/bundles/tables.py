"""The results and agreement tables of a paper bundle, as CSV (every digit) and LaTeX (rounded as a
paper prints them), read from the same figures as the Results and Agreement pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common.spreadsheet import csv_cell
from evaluation.bundles.latex import latex_escape


@dataclass(frozen=True)
class TableColumn:
    key: str
    header: str  # LaTeX, ours (never untrusted)
    kind: str  # text, int, percent (a share printed ×100), score, coefficient


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    columns: tuple[TableColumn, ...]
    rows: list[dict[str, Any]]


def _fixed(digits: int, scale: float = 1.0) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        if value is None:
            return "--"
        # A minus sign, not the hyphen that text mode prints for "-".
        return f"{scale * value:.{digits}f}".replace("-", "$-$", 1)

    return fmt


LATEX_FORMATS: dict[str, Callable[[Any], str]] = {
    "text": lambda v: latex_escape(v) if v not in (None, "") else "--",
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


def _estimate_columns(prefix: str, header: str, kind: str) -> tuple[TableColumn, ...]:
    return (
        TableColumn(prefix, header, kind),
        TableColumn(f"{prefix}_ci_low", "95\\% CI low", kind),
        TableColumn(f"{prefix}_ci_high", "95\\% CI high", kind),
        TableColumn(f"{prefix}_n", "$n$", "int"),
        TableColumn(f"{prefix}_alpha", "$\\alpha$", "coefficient"),
        TableColumn(f"{prefix}_reliability", "reliability", "text"),
    )


def results_table(results: dict[str, Any]) -> Table:
    """The leaderboard: each model's safety rate (Wilson interval) and mean responsibility score
    (bootstrap interval), each with the α of the judgements under it."""
    return Table(
        name="results",
        caption="Per-model scores: safety rate (\\%) and mean responsibility score (1--10), "
        "with 95\\% intervals, sample sizes and Krippendorff's $\\alpha$ of the judgements under each.",
        columns=(
            TableColumn("rank", "rank", "int"),
            TableColumn("model", "model", "text"),
            *_estimate_columns("safety", "safety (\\%)", "percent"),
            *_estimate_columns("responsibility", "responsibility", "score"),
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
        caption="Per model and risk scenario (safety rate, a share) or domain (mean responsibility score), "
        "with 95\\% intervals.",
        columns=(
            TableColumn("model", "model", "text"),
            TableColumn("level", "level", "text"),
            TableColumn("group", "scenario or domain", "text"),
            *_estimate_columns("value", "value", "coefficient"),
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
        caption="Inter-rater agreement with 95\\% bootstrap intervals (resampling items) and "
        "Krippendorff's reliability band (reliable $\\alpha \\geq 0.800$, tentative $\\geq 0.667$).",
        columns=(
            TableColumn("level", "level", "text"),
            TableColumn("coefficient", "coefficient", "text"),
            TableColumn("value", "value", "coefficient"),
            TableColumn("ci_low", "95\\% CI low", "coefficient"),
            TableColumn("ci_high", "95\\% CI high", "coefficient"),
            TableColumn("items", "items", "int"),
            TableColumn("judges", "judges", "int"),
            TableColumn("judgements", "judgements", "int"),
            TableColumn("resamples", "resamples", "int"),
            TableColumn("reliability", "reliability", "text"),
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
        caption="Krippendorff's $\\alpha$ per risk scenario (safety, nominal) and per domain "
        "(responsibility, interval), with 95\\% bootstrap intervals.",
        columns=(
            TableColumn("level", "level", "text"),
            TableColumn("group", "scenario or domain", "text"),
            TableColumn("alpha", "$\\alpha$", "coefficient"),
            TableColumn("ci_low", "95\\% CI low", "coefficient"),
            TableColumn("ci_high", "95\\% CI high", "coefficient"),
            TableColumn("items", "items", "int"),
            TableColumn("reliability", "reliability", "text"),
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
    """A booktabs table (needs ``\\usepackage{booktabs}`` and ``graphicx``); every text cell escaped.
    A table wider than the text (the results table has fourteen columns) is scaled down to its width."""
    spec = "".join("l" if c.kind == "text" else "r" for c in table.columns)
    lines = [
        "% Generated by ValueLens; needs \\usepackage{booktabs} and \\usepackage{graphicx}.",
        "\\begin{table}[htbp]",
        "\\centering",
        "\\small",
        f"\\caption{{{table.caption}}}",
        f"\\label{{tab:valuelens-{table.name.replace('_', '-')}}}",
        "\\sbox0{%",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(c.header for c in table.columns) + " \\\\",
        "\\midrule",
    ]
    for row in table.rows:
        lines.append(" & ".join(LATEX_FORMATS[c.kind](row.get(c.key)) for c in table.columns) + " \\\\")
    if not table.rows:
        lines.append(f"\\multicolumn{{{len(table.columns)}}}{{l}}{{No judgements in this scope.}} \\\\")
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
