"""The paired comparison's figures: two models paired on the prompts both answered, each answer
with its final value as the results count it, and the tests of metrics.paired on the pairs."""

from __future__ import annotations

import pytest

from annotation.models import Adjudication, Item
from common.roles import Role
from evaluation.compare.selectors import compare_scope, paired_figures, paired_source_marker
from evaluation.figures.selectors import FigureScope, results_figures
from metrics.paired import holm, mcnemar_exact, paired_bootstrap_mean, wilcoxon_signed_rank
from tests.evaluation.compare_support import models_ab, multichoice_pairs, responsibility_pairs, safety_pairs

pytestmark = pytest.mark.django_db

# Model B got worse on 2 prompts and better on 8; 3 stayed safe, 1 stayed unsafe.
FLIPS = [(True, False)] * 2 + [(False, True)] * 8 + [(True, True)] * 3 + [(False, False)]


@pytest.fixture
def models():
    return models_ab()


@pytest.fixture
def crowdworker_judge(make_user):
    return make_user(Role.CROWDWORKER)


def figures_of(models, **options):
    a, b = models
    return paired_figures(compare_scope(model_a=a.pk, model_b=b.pk, **options))


def test_safety_flips_are_counted_each_way_and_tested_with_mcnemar(models, crowdworker_judge):
    safety_pairs(models, {"privacy": FLIPS}, crowdworker_judge)

    overall = figures_of(models)["safety"]["overall"]

    assert (overall["n"], overall["both"], overall["only_a"], overall["only_b"], overall["neither"]) == (
        14,
        3,
        2,
        8,
        1,
    )
    assert overall["p"] == pytest.approx(mcnemar_exact(2, 8))
    assert overall["a"]["value"] == pytest.approx(5 / 14)
    assert overall["b"]["value"] == pytest.approx(11 / 14)


def test_each_flip_names_its_prompt_and_both_items(models, crowdworker_judge):
    campaign = safety_pairs(models, {"privacy": FLIPS}, crowdworker_judge)

    flips = figures_of(models)["safety"]["flips"]

    assert sorted(f["change"] for f in flips) == ["better"] * 8 + ["worse"] * 2
    a, b = models
    for flip in flips:
        item_a = Item.objects.get(campaign=campaign, prompt_id=flip["prompt_id"], model=a)
        item_b = Item.objects.get(campaign=campaign, prompt_id=flip["prompt_id"], model=b)
        assert (flip["item_a"], flip["item_b"]) == (item_a.pk, item_b.pk)
        assert flip["result_a"] == ("safe" if flip["change"] == "worse" else "unsafe")


def test_holm_corrects_the_scenarios_of_a_section_but_not_the_overall_test(models, crowdworker_judge):
    safety_pairs(
        models, {"privacy": FLIPS, "crimes": [(True, False)] * 9 + [(True, True)] * 3}, crowdworker_judge
    )

    safety = figures_of(models)["safety"]

    groups = {g["group"]: g for g in safety["groups"]}
    raw = [groups["crimes"]["p"], groups["privacy"]["p"]]
    assert raw == pytest.approx([mcnemar_exact(9, 0), mcnemar_exact(2, 8)])
    assert [groups["crimes"]["p_holm"], groups["privacy"]["p_holm"]] == pytest.approx(holm(raw))
    assert safety["overall"]["p"] == pytest.approx(mcnemar_exact(11, 8))
    assert safety["overall"]["p_holm"] is None


def test_a_scenario_with_too_few_shared_prompts_gets_no_p_value(models, crowdworker_judge):
    safety_pairs(models, {"privacy": FLIPS, "crimes": [(True, False)] * 3}, crowdworker_judge)

    groups = {g["group"]: g for g in figures_of(models)["safety"]["groups"]}

    assert groups["crimes"]["too_few"] is True
    assert groups["crimes"]["p"] is None
    assert groups["crimes"]["p_holm"] is None
    # Alone in its family, privacy's p needs no correction.
    assert groups["privacy"]["p_holm"] == pytest.approx(groups["privacy"]["p"])


def test_only_prompts_both_models_answered_are_paired(models, crowdworker_judge):
    safety_pairs(models, {"privacy": [*FLIPS, (True, None), (None, False), (None, True)]}, crowdworker_judge)

    safety = figures_of(models)["safety"]

    assert safety["overall"]["n"] == 14
    assert safety["unpaired"] == {"a": 1, "b": 2}


def test_the_paired_values_are_the_final_values_the_results_count(models, crowdworker_judge, make_user):
    campaign = safety_pairs(models, {"privacy": FLIPS}, crowdworker_judge)
    a, _ = models
    # A reviewer overrules the judge on A's unsafe answer to prompt 2, where B was safe.
    overruled = Item.objects.get(campaign=campaign, model=a, prompt__text="prompt privacy 2")
    Adjudication.objects.create(item=overruled, safe=True, by=make_user(Role.REVIEWER))

    overall = figures_of(models)["safety"]["overall"]
    results = {row["model"]: row for row in results_figures(FigureScope())["safety"]}

    assert (overall["both"], overall["only_b"]) == (4, 7)
    assert overall["a"]["value"] == pytest.approx(results[a.name]["safety"]["value"])


def test_responsibility_differences_get_a_bootstrap_interval_and_the_wilcoxon_test(models, make_user):
    scores = [(5, 7), (6, 8), (4, 4), (7, 9), (3, 6), (8, 7), (5, 5), (6, 9), (2, 5), (7, 8), (6, 6)]
    responsibility_pairs(models, {"law": scores}, make_user(Role.EXPERT, domains=("law",)))

    overall = figures_of(models)["responsibility"]["overall"]

    differences = [b - a for a, b in scores]
    assert overall["n"] == 11
    assert overall["difference"]["value"] == pytest.approx(sum(differences) / 11)
    expected = paired_bootstrap_mean(differences)
    assert (overall["difference"]["ci_low"], overall["difference"]["ci_high"]) == pytest.approx(
        (expected.ci_low, expected.ci_high)
    )
    assert overall["p"] == pytest.approx(wilcoxon_signed_rank(differences).p_value)
    assert (overall["higher"], overall["lower"], overall["same"]) == (7, 1, 3)
    assert overall["a"] == pytest.approx(sum(a for a, _ in scores) / 11)


def test_a_score_crossing_the_acceptable_line_is_a_flip(models, make_user):
    responsibility_pairs(models, {"law": [(6, 3), (3, 6), (6, 9)]}, make_user(Role.EXPERT, domains=("law",)))

    rows = [r for r in figures_of(models)["rows"] if r["section"] == "responsibility"]

    assert [(r["result_a"], r["result_b"], r["flipped"], r["change"]) for r in rows] == [
        (6.0, 3.0, True, "worse"),
        (3.0, 6.0, True, "better"),
        (6.0, 9.0, False, "same"),
    ]


def test_multichoice_answers_pair_by_question(models):
    outcomes = [(True, True)] * 4 + [(True, False)] + [(False, True)] * 6 + [(False, False)]
    multichoice_pairs(models, outcomes)

    overall = figures_of(models)["multichoice"]["overall"]

    assert (overall["n"], overall["both"], overall["only_a"], overall["only_b"], overall["neither"]) == (
        12,
        4,
        1,
        6,
        1,
    )
    assert overall["p"] == pytest.approx(mcnemar_exact(1, 6))
    assert overall["b"]["value"] == pytest.approx(10 / 12)


def test_a_campaign_scope_leaves_the_other_campaigns_out(models, crowdworker_judge):
    kept = safety_pairs(models, {"privacy": FLIPS}, crowdworker_judge)
    safety_pairs(models, {"crimes": [(True, False)] * 12}, crowdworker_judge, text="other")

    safety = figures_of(models, campaign_ids=(kept.pk,))["safety"]

    assert [g["group"] for g in safety["groups"]] == ["privacy"]
    assert safety["overall"]["n"] == 14


def test_model_b_against_model_a_is_the_mirror_of_a_against_b(models, crowdworker_judge):
    safety_pairs(models, {"privacy": FLIPS}, crowdworker_judge)

    forward = figures_of(models)["safety"]["overall"]
    backward = figures_of(models[::-1])["safety"]["overall"]

    assert (backward["only_a"], backward["only_b"]) == (forward["only_b"], forward["only_a"])
    assert backward["p"] == pytest.approx(forward["p"])


def test_the_source_marker_changes_when_an_answer_is_judged(models, crowdworker_judge, make_user):
    a, b = models
    scope = compare_scope(model_a=a.pk, model_b=b.pk)
    before, _ = paired_source_marker(scope)

    safety_pairs(models, {"privacy": FLIPS[:2]}, crowdworker_judge)

    assert paired_source_marker(scope)[0] != before


@pytest.mark.sqlite
def test_the_comparison_computes_on_sqlite_too(models, crowdworker_judge, make_user):
    safety_pairs(models, {"privacy": FLIPS}, crowdworker_judge)
    responsibility_pairs(models, {"law": [(5, 7)] * 10}, make_user(Role.EXPERT, domains=("law",)))

    figures = figures_of(models)

    assert (figures["safety"]["overall"]["only_a"], figures["safety"]["overall"]["only_b"]) == (2, 8)
    assert figures["responsibility"]["overall"]["difference"]["value"] == pytest.approx(2.0)
    assert figures["responsibility"]["overall"]["p"] == pytest.approx(
        wilcoxon_signed_rank([2.0] * 10).p_value
    )
