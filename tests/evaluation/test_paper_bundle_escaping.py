"""Model names are untrusted text: in a paper bundle's LaTeX they are escaped character by
character, in its SVG figures they are text, never markup or mathtext, and in its CSV tables a
name a spreadsheet would run as a formula is guarded as in the exports."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from annotation.models import Item
from common.spreadsheet import FORMULA_PREFIXES
from evaluation.bundles.latex import latex_escape, latex_unescape
from evaluation.figures.selectors import FigureScope
from models_registry.models import RegisteredModel
from prompts.models import Scenario
from tests.evaluation.bundle_support import EVIL_MODEL, build_study, bundle_built, bundle_members
from tests.evaluation.export_support import FORMULA

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def members(make_user) -> dict[str, bytes]:
    build_study(make_user)
    return bundle_members(bundle_built(FigureScope()))


@pytest.mark.parametrize(
    "special", ["&", "%", "$", "#", "_", "{", "}", "~", "^", "\\", "<", ">", "|", "--", "`", '"', "''", ",,"]
)
def test_each_special_character_of_latex_is_escaped_and_comes_back(special):
    text = f"a{special}b"
    escaped = latex_escape(text)

    assert escaped != text
    assert latex_unescape(escaped) == text


@pytest.mark.parametrize(
    ("text", "escaped"), [("``a''", r"\textasciigrave{}\textasciigrave{}a'{}'"), (",,a", ",{},a")]
)
def test_the_quote_ligatures_of_tex_are_broken_in_a_name(text, escaped):
    # Else LaTeX prints ``a'' as “a” and ,, as „: the PDF test (test_paper_bundle_latex) reads them back.
    assert latex_escape(text) == escaped


def test_a_model_name_is_escaped_in_every_latex_table(members):
    escaped = latex_escape(EVIL_MODEL)
    assert escaped == (
        r"evil \& 50\% \$x\$ \#\_\{a\}\textasciitilde{}\textasciicircum{}\textbackslash{} "
        r"\textless{}b\textgreater{}m\textless{}/b\textgreater{}-{}-y"
    )
    for name in ("results", "results_by_group", "results.zh", "results_by_group.zh"):
        tex = members[f"tables/{name}.tex"].decode("utf-8")
        assert escaped in tex
        assert EVIL_MODEL not in tex
        # Every row has as many cells as the header: no ampersand of a name splits one.
        rows = tex.split("\\midrule\n", 1)[1].split("\\bottomrule", 1)[0].splitlines()
        header = tex.split("\\toprule\n", 1)[1].split("\n", 1)[0]
        assert {row.count(" & ") for row in rows} == {header.count(" & ")}
    assert escaped in members["methods/methods.en.tex"].decode("utf-8")


def test_a_model_name_is_plain_text_in_the_svg_figures(members):
    for name in ("figures/safety_by_model.svg", "figures/responsibility_by_domain.svg"):
        # Well-formed: the name's < and & are entities (our own file; no entity tricks to defuse).
        root = ET.fromstring(members[name])  # noqa: S314
        texts = [t.text or "" for t in root.iter(f"{SVG}text")]
        assert any(EVIL_MODEL in t for t in texts)
        # The name's <b> stayed text: the figure has no element of it.
        assert not [e for e in root.iter() if e.tag in ("b", f"{SVG}b", "script", f"{SVG}script")]


def test_a_name_that_a_spreadsheet_would_run_is_text_in_every_csv_table(make_user):
    study = build_study(make_user)
    RegisteredModel.objects.filter(name="model-good").update(name=FORMULA)
    scenario = Item.objects.filter(campaign=study.safety).values_list("prompt__scenario", flat=True).first()
    # A valid slug, as an imported prompt set may bring; tables name groups by slug.
    Scenario.objects.filter(pk=scenario).update(slug="-2-1")

    members = bundle_members(bundle_built(FigureScope()))

    cells = {
        name: [
            cell for row in csv.reader(io.StringIO(members[f"tables/{name}.csv"].decode())) for cell in row
        ]
        for name in ("results", "results_by_group", "agreement_by_group")
    }
    assert f"'{FORMULA}" in cells["results"]
    assert f"'{FORMULA}" in cells["results_by_group"]
    assert "'-2-1" in cells["results_by_group"]
    texts = [cell for table in cells.values() for cell in table if not is_number(cell)]
    assert not [cell for cell in texts if cell.startswith(FORMULA_PREFIXES)]


def is_number(cell: str) -> bool:
    """A negative number is a number to a spreadsheet too, not a formula."""
    try:
        float(cell)
    except ValueError:
        return False
    return True
