"""The paper bundle's LaTeX compiles for real: its English document (methods and tables) with
pdfLaTeX, its Chinese one with XeLaTeX and ctex, with untrusted names full of LaTeX's special
characters and Chinese text; the names print as they were written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from annotation.models import Campaign
from annotation.services import campaign_create
from evaluation.bundles.latex import latex_escape
from evaluation.figures.selectors import FigureScope
from models_registry.models import RegisteredModel, Response
from tests.evaluation.bundle_support import build_study, bundle_built, bundle_members

pytestmark = [pytest.mark.django_db, pytest.mark.latex]

# TeX ligatures (`` '' ,, -- ---, !` ?`) and OT1's " among LaTeX's special characters, after Chinese.
CJK_MODEL = '通义千问 & 100% $x$ #_{b}~^\\ <script>x</script> ``q" ,,a-- --- !`'
CJK_CAMPAIGN = "法律专家 “评测” & 50% {x}_y~^\\ <script>alert(1)</script>"
# scripts/test.sh installs them (Debian's TeX Live): see docs/paper-bundle.md.
TEX_PACKAGES = (
    "texlive-latex-base texlive-latex-recommended lmodern texlive-xetex texlive-lang-chinese "
    "latex-cjk-chinese latex-cjk-chinese-arphic-gbsn00lp poppler-utils"
)


def unzipped(scope: FigureScope, folder: Path) -> Path:
    for name, data in bundle_members(bundle_built(scope)).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def bundle(make_user, tmp_path) -> Path:
    study = build_study(make_user)
    RegisteredModel.objects.filter(name="model-good").update(name=CJK_MODEL)
    Campaign.objects.filter(pk=study.responsibility.pk).update(name=CJK_CAMPAIGN)
    return unzipped(FigureScope(), tmp_path)


def compiled(folder: Path, engine: str, document: str) -> str:
    """The log of ``engine`` run on ``document`` in ``folder`` (twice, as references need); fails the
    test on any LaTeX error."""
    for tool in (engine, "pdftotext"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed: run scripts/test.sh, which installs {TEX_PACKAGES}.")
    # Fonts TeX has to make (bitmaps, when a document asks for one without an outline) go to the
    # test's folder, not the home directory.
    env = {**os.environ, "TEXMFVAR": str(folder / "texmf-var")}
    for _ in range(2):
        run = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", document],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
        )
        log = (folder / document).with_suffix(".log").read_text(encoding="utf-8", errors="replace")
        assert run.returncode == 0, log[-3000:]
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert errors == []
    assert "Missing character" not in log
    return log


def pdf_text(folder: Path, document: str) -> str:
    pdf = (folder / document).with_suffix(".pdf")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout


def test_the_english_document_compiles_with_pdflatex(bundle):
    log = compiled(bundle, "pdflatex", "paper.en.tex")

    assert "Output written on paper.en.pdf" in log


def test_the_english_document_compiles_in_latexs_default_font_encoding(bundle):
    # A paper without \usepackage[T1]{fontenc} (OT1): no escape may use a glyph OT1 lacks.
    document = (bundle / "paper.en.tex").read_text(encoding="utf-8")
    (bundle / "ot1.tex").write_text(document.replace("\\usepackage[T1]{fontenc}\n", ""), encoding="utf-8")

    log = compiled(bundle, "pdflatex", "ot1.tex")

    assert "OT1/lmr/m/n" in log  # set in OT1
    assert "Output written on ot1.pdf" in log


def test_the_chinese_document_compiles_with_xelatex(bundle):
    log = compiled(bundle, "xelatex", "paper.zh.tex")

    assert "Output written on paper.zh.pdf" in log
    assert "研究方法" in pdf_text(bundle, "paper.zh.tex")


ENGLISH_TABLES = ("Per-model scores", "95% CI low", "Inter-rater agreement", "resamples", "reliability")
CHINESE_TABLES = ("各模型得分", "排名", "95% 置信区间下限", "评判者间一致性", "重抽样次数", "可靠性")


@pytest.mark.parametrize(
    ("engine", "language", "tables", "words", "not_words"),
    [
        ("pdflatex", "en", "tables/results.tex", ENGLISH_TABLES, CHINESE_TABLES),
        ("xelatex", "zh", "tables/results.zh.tex", CHINESE_TABLES, ENGLISH_TABLES),
    ],
)
def test_each_documents_tables_have_captions_and_headers_in_its_language(
    bundle, engine, language, tables, words, not_words
):
    document = (bundle / f"paper.{language}.tex").read_text(encoding="utf-8")
    compiled(bundle, engine, f"paper.{language}.tex")

    assert [line for line in document.splitlines() if "tables/results." in line] == [f"\\input{{{tables}}}"]
    text = pdf_text(bundle, f"paper.{language}.tex")
    assert [w for w in words if w in text] == list(words)
    assert [w for w in not_words if w in text] == []


@pytest.mark.parametrize(("engine", "language"), [("pdflatex", "en"), ("xelatex", "zh")])
def test_a_model_name_prints_as_it_was_written_in_the_pdf(bundle, engine, language):
    compiled(bundle, engine, f"paper.{language}.tex")

    # The tables' rows keep a name on one line; the name's quotes, dashes and spaces are its own.
    assert CJK_MODEL in pdf_text(bundle, f"paper.{language}.tex")


def tables_only(bundle: Path) -> str:
    """The English document without its methods paragraph, as tables.tex."""
    document = (bundle / "paper.en.tex").read_text(encoding="utf-8")
    (bundle / "tables.tex").write_text(document.replace("\\input{methods/methods.en.tex}\n", ""))
    return "tables.tex"


def test_every_table_fits_the_width_of_the_text(bundle):
    log = compiled(bundle, "pdflatex", tables_only(bundle))

    assert "Overfull \\hbox" not in log


def test_a_negative_number_prints_with_a_minus_sign_in_the_tables_and_the_methods(bundle):
    compiled(bundle, "pdflatex", "paper.en.tex")

    text = pdf_text(bundle, "paper.en.tex")
    assert re.search(r"95%\s+CI\s+−0\.\d{3}–", text)  # the methods' α
    assert re.search(r"−0\.\d{3}\s+unreliable", text)  # a table's α and its band
    # No hyphen before a number (a date's hyphens follow a digit).
    assert not re.search(r"(?<![\w−])-\d", text)


def test_the_protocol_hash_may_break_across_lines(bundle):
    compiled(bundle, "pdflatex", "paper.en.tex")
    hashes = (bundle / "protocol").glob("campaign-*/protocol.sha256")

    text = re.sub(r"\s+", "", pdf_text(bundle, "paper.en.tex"))
    methods = (bundle / "methods" / "methods.en.tex").read_text(encoding="utf-8")
    for digest in (path.read_text().split()[0] for path in hashes):
        assert digest not in methods
        assert digest in text


@pytest.mark.parametrize(
    ("engine", "language", "no_judgements"),
    [("pdflatex", "en", "No judgements in this scope."), ("xelatex", "zh", "此范围内尚无评判。")],
)
def test_the_bundle_of_a_campaign_nobody_judged_compiles_too(
    make_user, tmp_path, engine, language, no_judgements
):
    build_study(make_user)
    empty = campaign_create(
        name=CJK_CAMPAIGN,
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(prompt__level="safety"),
        judges_per_item=3,
    )
    folder = unzipped(FigureScope(campaign_ids=(empty.pk,)), tmp_path)

    compiled(folder, engine, f"paper.{language}.tex")

    assert no_judgements in pdf_text(folder, f"paper.{language}.tex")


def test_a_name_with_control_characters_compiles_and_prints_them_as_spaces(tmp_path):
    # A form feed would end the paragraph, a DEL stop the compile; untrusted names may hold any.
    name = "model\x0cone\x7ftwo\x1bthree\u2028four"
    (tmp_path / "name.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\begin{document}\n"
        f"Name: {latex_escape(name)}.\n\\end{{document}}\n",
        encoding="utf-8",
    )

    compiled(tmp_path, "pdflatex", "name.tex")

    assert "Name: model one two three four." in pdf_text(tmp_path, "name.tex")
