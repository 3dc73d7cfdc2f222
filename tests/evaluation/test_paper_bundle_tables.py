"""Every number of a paper bundle's tables comes again out of the export files in the same zip,
recomputed with metrics/ alone: safety rates with their Wilson intervals, mean scores with their
bootstrap intervals, the α under each, sample sizes, and every agreement coefficient with its
interval, overall and per group; the LaTeX tables print the same numbers, rounded."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import numpy as np
import pytest

from evaluation.bundles.latex import latex_unescape
from evaluation.bundles.tables import TERMS
from evaluation.figures.selectors import FigureScope
from metrics.agreement import (
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    reliability_band,
    reliability_matrix,
    with_bootstrap_ci,
)
from metrics.judges import mean_pairwise_weighted_kappa
from metrics.scores import final_safe, final_score, mean, proportion
from tests.evaluation.bundle_support import build_study, bundle_built, bundle_members, jsonl_rows

pytestmark = pytest.mark.django_db


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def latex_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    body = text.split("\\midrule\n", 1)[1].split("\\bottomrule", 1)[0]
    # A cell never holds " & " unescaped: an ampersand in a name is "\&". A negative number's minus
    # sign is "$-$" (a name's dollars are escaped, "\$").
    return [
        line.removesuffix(" \\\\").replace("$-$", "-").split(" & ")
        for line in body.splitlines()
        if line.strip()
    ]


def number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def filled(rows: list[tuple[float, ...]]) -> np.ndarray:
    """Each response's values from the left, as the figures compute α of a score."""
    rows = [r for r in rows if len(r) >= 2]
    matrix = np.full((len(rows), max(len(r) for r in rows)), np.nan)
    for i, r in enumerate(rows):
        matrix[i, : len(r)] = r
    return matrix


@pytest.fixture
def bundle(make_user) -> dict[str, bytes]:
    build_study(make_user)
    return bundle_members(bundle_built(FigureScope()))


@pytest.fixture
def export(bundle) -> dict:
    """The export files of the zip, parsed: the judgements that count, each with its response."""
    items = {i["item_id"]: i for i in jsonl_rows(bundle["items.jsonl"])}
    counted = [
        j
        for j in jsonl_rows(bundle["judgements.jsonl"])
        if not j["excluded"] and (j["item_purpose"] == "regular" or j["before_check"])
    ]
    for j in counted:
        j["response"] = items[j["item_id"]]["response_ids"][0]
    return {"items": items, "judgements": counted}


def responses_of(export: dict, kind: str) -> dict[int, list[dict]]:
    by_response: dict[int, list[dict]] = defaultdict(list)
    for j in sorted(export["judgements"], key=lambda j: j["judgement_id"]):
        if j["kind"] == kind:
            by_response[j["response"]].append(j)
    return by_response


def test_the_results_table_is_recomputed_from_the_judgements_file(bundle, export):
    table = {r["model"]: r for r in csv_rows(bundle["tables/results.csv"])}
    items = export["items"]
    safety: dict[str, list[tuple[bool, tuple[float, ...]]]] = defaultdict(list)
    for judgements in responses_of(export, "safety").values():
        item = items[judgements[0]["item_id"]]
        adjudicated = item["final_value"] if item["final_source"] == "adjudicated" else None
        value, _ = final_safe(
            [j["safe"] for j in judgements], adjudicated=adjudicated, estimate=item["model_estimate_safe"]
        )
        safety[item["model"]].append((bool(value), tuple(float(j["safe"]) for j in judgements)))
    ratings: dict[str, list[tuple[float, tuple[float, ...]]]] = defaultdict(list)
    for judgements in responses_of(export, "responsibility").values():
        item = items[judgements[0]["item_id"]]
        adjudicated = item["final_value"] if item["final_source"] == "adjudicated" else None
        value, _ = final_score([j["score"] for j in judgements], adjudicated=adjudicated)
        ratings[item["model"]].append((value, tuple(float(j["score"]) for j in judgements)))

    assert set(table) == set(safety) | set(ratings)
    for model, verdicts in safety.items():
        rate = proportion(sum(v for v, _ in verdicts), len(verdicts))
        alpha = krippendorff_alpha(filled([votes for _, votes in verdicts]), "nominal").value
        row = table[model]
        assert int(row["safety_n"]) == rate.n == len(verdicts)
        assert number(row["safety"]) == pytest.approx(rate.value)
        assert number(row["safety_ci_low"]) == pytest.approx(rate.ci_low)
        assert number(row["safety_ci_high"]) == pytest.approx(rate.ci_high)
        assert number(row["safety_alpha"]) == pytest.approx(alpha)
        assert row["safety_reliability"] == reliability_band(alpha)
    for model, scores in ratings.items():
        average = mean([s for s, _ in scores])
        alpha = krippendorff_alpha(filled([values for _, values in scores]), "interval").value
        row = table[model]
        assert int(row["responsibility_n"]) == average.n == len(scores)
        assert number(row["responsibility"]) == pytest.approx(average.value)
        assert number(row["responsibility_ci_low"]) == pytest.approx(average.ci_low)
        assert number(row["responsibility_ci_high"]) == pytest.approx(average.ci_high)
        assert number(row["responsibility_alpha"]) == pytest.approx(alpha)
    # The leaderboard's order: safety, then responsibility, both descending.
    ranked = sorted(table.values(), key=lambda r: (-float(r["safety"]), -float(r["responsibility"])))
    assert [int(r["rank"]) for r in ranked] == [1, 2]


def test_the_latex_results_table_prints_the_csv_numbers_rounded(bundle):
    table = csv_rows(bundle["tables/results.csv"])
    printed = latex_rows(bundle["tables/results.tex"])

    assert len(printed) == len(table)
    for row, cells in zip(table, printed, strict=True):
        assert latex_unescape(cells[1]) == row["model"]
        assert cells[0] == row["rank"]
        assert cells[2:5] == [
            f"{100 * float(row[k]):.1f}" for k in ("safety", "safety_ci_low", "safety_ci_high")
        ]
        assert cells[5] == row["safety_n"]
        assert cells[6] == f"{float(row['safety_alpha']):.3f}"
        assert cells[7] == row["safety_reliability"]
        assert cells[8:11] == [
            f"{float(row[k]):.2f}"
            for k in ("responsibility", "responsibility_ci_low", "responsibility_ci_high")
        ]
        assert cells[11] == row["responsibility_n"]


def test_the_per_group_results_are_recomputed_from_the_judgements_file(bundle, export):
    table = {(r["model"], r["level"], r["group"]): r for r in csv_rows(bundle["tables/results_by_group.csv"])}
    items = export["items"]
    shares: dict[tuple, list[bool]] = defaultdict(list)
    for judgements in responses_of(export, "safety").values():
        item = items[judgements[0]["item_id"]]
        value, _ = final_safe([j["safe"] for j in judgements], estimate=item["model_estimate_safe"])
        shares[(item["model"], "safety", item["scenario"])].append(bool(value))
    means: dict[tuple, list[float]] = defaultdict(list)
    for judgements in responses_of(export, "responsibility").values():
        item = items[judgements[0]["item_id"]]
        means[(item["model"], "responsibility", item["domain"])].append(
            final_score([j["score"] for j in judgements])[0]
        )

    assert set(table) == set(shares) | set(means)
    for key, verdicts in shares.items():
        rate = proportion(sum(verdicts), len(verdicts))
        assert (number(table[key]["value"]), int(table[key]["value_n"])) == (
            pytest.approx(rate.value),
            rate.n,
        )
        assert number(table[key]["value_ci_low"]) == pytest.approx(rate.ci_low)
    for key, scores in means.items():
        average = mean(scores)
        assert (number(table[key]["value"]), int(table[key]["value_n"])) == (
            pytest.approx(average.value),
            average.n,
        )
        assert number(table[key]["value_ci_high"]) == pytest.approx(average.ci_high)
    for cells, row in zip(latex_rows(bundle["tables/results_by_group.tex"]), table.values(), strict=True):
        assert latex_unescape(cells[0]) == row["model"]
        assert cells[3] == f"{float(row['value']):.3f}"


def agreement_matrix(export: dict, kind: str):
    """The agreement pages' matrix: one value per response and judge, the newest judgement first."""
    field = "safe" if kind == "safety" else "score"
    newest_first = sorted(
        (j for j in export["judgements"] if j["kind"] == kind),
        key=lambda j: (j["created_at"], j["judgement_id"]),
        reverse=True,
    )
    values: dict[tuple[int, str], float] = {}
    for j in newest_first:
        values.setdefault((j["response"], j["judge"]), float(j[field]))
    return reliability_matrix([(r, judge, v) for (r, judge), v in values.items()])


def test_the_agreement_table_is_recomputed_from_the_judgements_file(bundle, export):
    table = {(r["level"], r["coefficient"]): r for r in csv_rows(bundle["tables/agreement.csv"])}
    statistics = {
        "safety": {
            "Percent agreement": percent_agreement,
            "Krippendorff's α (nominal)": lambda x: krippendorff_alpha(x, "nominal"),
            "Fleiss' κ": fleiss_kappa,
            "Gwet's AC1": lambda x: gwet_ac1(x, categories=(0.0, 1.0)),
        },
        "responsibility": {
            "Percent agreement": percent_agreement,
            "Krippendorff's α (interval)": lambda x: krippendorff_alpha(x, "interval"),
            "Krippendorff's α (ordinal)": lambda x: krippendorff_alpha(x, "ordinal"),
        },
    }
    checked = 0
    for level, coefficients in statistics.items():
        rel = agreement_matrix(export, level)
        m = rel.values
        for name, statistic in coefficients.items():
            row = table[(level, name)]
            found = with_bootstrap_ci(m, statistic, n_resamples=int(row["resamples"]), judge_free=True)
            assert number(row["value"]) == pytest.approx(found.value)
            assert number(row["ci_low"]) == pytest.approx(found.ci_low)
            assert number(row["ci_high"]) == pytest.approx(found.ci_high)
            assert int(row["items"]) == m.shape[0]
            assert int(row["judges"]) == m.shape[1]
            assert int(row["judgements"]) == int((~np.isnan(m)).sum())
            checked += 1
        if level == "responsibility":
            kappa, _ = mean_pairwise_weighted_kappa(m, categories=tuple(float(v) for v in range(1, 11)))
            weighted = table[(level, "Quadratic-weighted κ (mean over pairs of experts)")]
            assert number(weighted["value"]) == pytest.approx(kappa)
            checked += 1
        alpha_name = next(n for n in coefficients if n.startswith("Krippendorff"))
        assert table[(level, alpha_name)]["reliability"] == reliability_band(
            number(table[(level, alpha_name)]["value"])
        )
    assert checked == len(table) == 8
    for cells in latex_rows(bundle["tables/agreement.tex"]):
        row = table[(cells[0], latex_unescape(cells[1]))]
        assert cells[2:5] == [
            f"{float(row[k]):.3f}" if row[k] else "--" for k in ("value", "ci_low", "ci_high")
        ]


TABLES = ("results", "results_by_group", "agreement", "agreement_by_group")


def header_and_caption(data: bytes) -> tuple[list[str], str]:
    text = data.decode("utf-8")
    header = text.split("\\toprule\n", 1)[1].split("\n", 1)[0].removesuffix(" \\\\").split(" & ")
    return header, text.split("\\caption{", 1)[1].split("}\n", 1)[0]


@pytest.mark.parametrize("name", TABLES)
def test_the_chinese_latex_tables_print_the_english_ones_numbers_and_names(bundle, name):
    english = latex_rows(bundle[f"tables/{name}.tex"])
    chinese = latex_rows(bundle[f"tables/{name}.zh.tex"])

    assert len(chinese) == len(english) > 0
    for en_cells, zh_cells in zip(english, chinese, strict=True):
        # Only our own words (levels, coefficients, bands) are translated; numbers and names are not.
        translated = {latex_unescape(en) for en, zh in zip(en_cells, zh_cells, strict=True) if en != zh}
        assert translated <= set(TERMS)


def test_the_chinese_latex_tables_have_chinese_captions_headers_and_words(bundle):
    header, caption = header_and_caption(bundle["tables/results.zh.tex"])
    assert header[:5] == ["排名", "模型", "安全率（\\%）", "95\\% 置信区间下限", "95\\% 置信区间上限"]
    assert header[-1] == "可靠性"
    assert caption.startswith("各模型得分")
    assert "Krippendorff \\ensuremath{\\alpha}" in caption
    header, caption = header_and_caption(bundle["tables/agreement.zh.tex"])
    assert header[:3] == ["层级", "系数", "值"]
    assert caption.startswith("评判者间一致性")
    levels = {cells[0] for cells in latex_rows(bundle["tables/agreement.zh.tex"])}
    assert levels == {"安全性", "责任性"}
    for name in TABLES:
        tex = bundle[f"tables/{name}.zh.tex"].decode("utf-8")
        assert tex.startswith("% 由 ValueLens 生成")
        assert not {"CI", "rank", "model", "value", "reliability", "safety"} & set(
            re.findall(r"[A-Za-z]+", tex.split("\\toprule", 1)[1].split("\\midrule", 1)[0])
        )


def test_the_english_latex_tables_keep_their_english_captions_and_headers(bundle):
    header, caption = header_and_caption(bundle["tables/results.tex"])

    assert header[:5] == ["rank", "model", "safety (\\%)", "95\\% CI low", "95\\% CI high"]
    assert caption.startswith("Per-model scores")
    assert bundle["tables/results.tex"].decode("utf-8").startswith("% Generated by ValueLens")
    assert {cells[0] for cells in latex_rows(bundle["tables/agreement.tex"])} == {"safety", "responsibility"}


def test_the_csv_tables_headers_are_the_columns_machine_names(bundle):
    header = bundle["tables/agreement.csv"].decode("utf-8").splitlines()[0]

    assert header == "level,coefficient,value,ci_low,ci_high,items,judges,judgements,resamples,reliability"
    assert not [name for name in bundle if name.startswith("tables/") and name.endswith(".zh.csv")]


def test_the_agreement_per_group_is_recomputed_from_the_judgements_file(bundle, export):
    table = {(r["level"], r["group"]): r for r in csv_rows(bundle["tables/agreement_by_group.csv"])}
    items = export["items"]
    for level, group_field, scale in (
        ("safety", "scenario", "nominal"),
        ("responsibility", "domain", "interval"),
    ):
        rel = agreement_matrix(export, level)
        group_of = {
            items[j["item_id"]]["response_ids"][0]: items[j["item_id"]][group_field]
            for j in export["judgements"]
            if j["kind"] == level
        }
        groups = np.asarray([group_of[r] for r in rel.item_ids])
        for group in sorted(set(groups.tolist())):
            row = table[(level, group)]
            sub = rel.values[groups == group]
            found = with_bootstrap_ci(
                sub, lambda x, scale=scale: krippendorff_alpha(x, scale), n_resamples=1000, judge_free=True
            )
            assert int(row["items"]) == sub.shape[0]
            assert number(row["alpha"]) == pytest.approx(found.value)
            assert (number(row["ci_low"]), number(row["ci_high"])) == (
                pytest.approx(found.ci_low),
                pytest.approx(found.ci_high),
            )
    assert len(table) == 3
