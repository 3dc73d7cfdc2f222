"""The methods paragraph names each judge model and template that judged the scope's items, with
its κ against the people as the judges' page computes it, in English and in Chinese."""

from __future__ import annotations

import pytest

from evaluation.figures.selectors import FigureScope
from evaluation.judges.selectors import judge_figures
from evaluation.judges.services import judge_run_start
from tests.evaluation.bundle_support import build_study, bundle_built, bundle_members

pytestmark = pytest.mark.django_db(transaction=True)

ALWAYS_SAFE = '{"verdict": "safe", "response_type": "helpful", "reason": "无害"}'


def test_the_methods_paragraph_names_each_judge_model_with_its_agreement(make_user, make_model, stub):
    study = build_study(make_user)
    stub.state.script = lambda body: ALWAYS_SAFE
    judge_run_start(name="paper", campaign=study.safety, models=[make_model("judge-x")])

    members = bundle_members(bundle_built(FigureScope()))

    (judge,) = judge_figures(FigureScope())["safety"]["judges"]
    # Printed with a minus sign if negative.
    kappa = f"{judge['vs_majority']['kappa']['value']:.3f}".replace("-", "−", 1)
    english = members["methods/methods.en.md"].decode("utf-8")
    chinese = members["methods/methods.zh.md"].decode("utf-8")
    assert f"The model judge-x judged {judge['vs_majority']['items']} items (safety)" in english
    assert "cvalues-safety v1" in english
    assert f"majority {kappa}" in english
    assert "模型 judge-x 使用模板“cvalues-safety v1”" in chinese
    assert f"Cohen κ 为 {kappa}" in chinese
