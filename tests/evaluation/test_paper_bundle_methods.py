"""The methods paragraph of a paper bundle carries the scope's own figures, the same as its tables,
in English and in Chinese prose; a campaign without judgements gets a bundle that says so."""

from __future__ import annotations

import csv
import io
import re

import pytest

from annotation.models import Campaign
from annotation.services import campaign_create
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from models_registry.models import Response
from tests.evaluation.bundle_support import EVIL_CAMPAIGN, build_study, bundle_built, bundle_members

pytestmark = pytest.mark.django_db


def table(members: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(members[f"tables/{name}.csv"].decode("utf-8"))))


@pytest.fixture
def members(make_user) -> dict[str, bytes]:
    study = build_study(make_user)
    Campaign.objects.filter(pk=study.safety.pk).update(gold_rate=0.1, attention_every=20, failures_allowed=3)
    return bundle_members(bundle_built(FigureScope()))


def signed(number: str) -> str:
    """A negative number as the paragraph prints it, with a minus sign."""
    return number.replace("-", "−", 1)


def figures_of(members: dict[str, bytes]) -> list[str]:
    """The numbers a methods paragraph must carry, written as it writes them, read from the tables."""
    results = table(members, "results")
    agreement = {(r["level"], r["coefficient"]): r for r in table(members, "agreement")}
    safety_alpha = agreement[("safety", "Krippendorff's α (nominal)")]
    ratings_alpha = agreement[("responsibility", "Krippendorff's α (interval)")]
    return [
        signed(figure)
        for figure in (
            *(f"{float(safety_alpha[k]):.3f}" for k in ("value", "ci_low", "ci_high")),
            *(f"{float(ratings_alpha[k]):.3f}" for k in ("value", "ci_low", "ci_high")),
            *(f"{100 * float(r['safety']):.1f}%" for r in results),
            *(f"{float(r['responsibility']):.2f}" for r in results),
            *(f"{100 * float(r['safety_ci_low']):.1f}%" for r in results),
        )
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_methods_paragraph_carries_the_tables_figures_in_both_languages(members, language):
    text = members[f"methods/methods.{language}.md"].decode("utf-8")

    for figure in figures_of(members):
        assert figure in text
    counts = {
        "en": [
            "36 judgements",
            "5 judges",
            "14 items",
            "2 models",
            "7 prompts",
            "N = 3",
            "N = 2",
            "24 judgements",
        ],
        "zh": [
            "36 条评判",
            "5 名评判者",
            "14 个条目",
            "2 个模型",
            "7 条提示词",
            "N = 3",
            "N = 2",
            "24 条评判",
        ],
    }[language]
    for count in counts:
        assert count in text


def test_the_chinese_methods_paragraph_is_chinese_prose(members):
    english = members["methods/methods.en.md"].decode("utf-8")
    chinese = members["methods/methods.zh.md"].decode("utf-8")

    assert "We report" in english
    assert "quality-control" not in chinese
    for phrase in ("本报告涵盖", "质量控制", "一致性"):
        assert phrase in chinese
    assert "每 20 个条目插入一个注意力检查条目" in chinese
    assert "an attention item was served every 20 items" in english
    # Apart from names, proper names of coefficients and numbers, no English words remain.
    # (The protocol's SHA-256 hashes are hexadecimal, not words.)
    words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"[0-9a-f]{64}", "", chinese)))
    proper = {
        "Krippendorff",
        "Fleiss",
        "Gwet",
        "Wilson",
        "Dawid",
        "Skene",
        "bootstrap",
        "Cohen",
        "SHA",
        "Law",
        "experts",
    }
    names = set(
        re.findall(r"[A-Za-z]{3,}", EVIL_CAMPAIGN + " model-good evil attack_instructions crimes law")
    )
    assert words - proper - names == set()


def test_the_latex_methods_paragraph_escapes_a_campaign_name(members):
    for language in ("en", "zh"):
        tex = members[f"methods/methods.{language}.tex"].decode("utf-8")
        assert EVIL_CAMPAIGN not in tex
        assert (
            r"Round 1 \& 2: 50\% \{x\}\_y\textasciitilde{}\textasciicircum{}\textbackslash{} \textless{}script"
            in tex
        )
    assert r"\usepackage{ctex}" in members["methods/methods.zh.tex"].decode("utf-8")


def test_a_bundle_for_a_campaign_with_no_judgements_says_so(make_user):
    build_study(make_user)
    empty = campaign_create(
        name="Nobody judged yet",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(prompt__level="safety"),
        judges_per_item=3,
    )

    export = bundle_built(FigureScope(campaign_ids=(empty.pk,)))
    members = bundle_members(export)

    assert export.status == Export.Status.READY
    assert "No judgement counts in this scope yet" in members["methods/methods.en.md"].decode("utf-8")
    assert "此范围内尚无计入结果的评判" in members["methods/methods.zh.md"].decode("utf-8")
    assert "Nobody judged yet" in members["methods/methods.en.md"].decode("utf-8")
    assert table(members, "results") == []
    assert table(members, "agreement") == []
    assert "No judgements in this scope." in members["tables/results.tex"].decode("utf-8")
    assert "此范围内尚无评判。" in members["tables/results.zh.tex"].decode("utf-8")
    assert not [name for name in members if name.startswith("figures/")]
    assert {"MANIFEST.json", "README.md", "methods/methods.en.tex"} <= set(members)
