"""Models as pairwise judges, against the stub server: a pair is asked in both orders with the
pairwise template, each answer is stored per order and mapped back to A/B, and the figures give swap
consistency, position bias and agreement with people beside an average single person's."""

from __future__ import annotations

import pytest

from annotation.models import Item, Preference
from common.roles import Role
from evaluation.figures.selectors import FigureScope
from evaluation.judges.selectors import judge_figures
from evaluation.judges.services import (
    JudgeRejected,
    judge_run_start,
    judge_template_default,
    machine_judgement_review_set,
)
from evaluation.models import MachineJudgement
from metrics.model_judges import NEED_CHECK
from tests.evaluation.pairwise_judges_support import (
    always_first,
    answers_shown,
    judge_model,
    judges_script,
    prefers_lower_index,
    unreadable_when_m0_first,
    voted_pair_campaign,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(make_user):
    return [make_user(Role.CROWDWORKER, username=f"pair-person-{i}") for i in range(3)]


@pytest.fixture
def voted(pair_setup, make_pair_campaign, people):
    return voted_pair_campaign(pair_setup, make_pair_campaign, people)


@pytest.fixture
def judged(voted, stub):
    """The voted campaign judged by three judge models: a fair one, one that always picks answer 1,
    and one that cannot be read whenever m0's answer comes first."""
    campaign, _ = voted
    stub.state.script = judges_script(
        {"fair": prefers_lower_index, "first": always_first, "garbled": unreadable_when_m0_first}
    )
    models = [judge_model(stub, name) for name in ("fair", "first", "garbled")]
    return judge_run_start(name="pair judges", campaign=campaign, models=models)


def by_model(figures) -> dict[str, dict]:
    return {j["model"]: j for j in figures["pairwise"]["judges"]}


def test_a_pairwise_campaign_is_judged_with_the_pairwise_template_asking_each_pair_in_both_orders(
    judged, stub
):
    campaign = judged.campaign
    items = Item.objects.filter(campaign=campaign).count()

    assert judged.template.pairwise
    assert judged.template.name == "cvalues-pairwise-safety"
    assert stub.state.total == 3 * 2 * items
    shown_to_fair = [answers_shown(b) for b in stub.state.bodies if b["model"] == "fair"]
    assert len(shown_to_fair) == 2 * items
    orders = {(s["1"], s["2"]) for s in shown_to_fair}
    assert all((second, first) in orders for first, second in orders)
    prompts = [b["messages"][-1]["content"] for b in stub.state.bodies]
    assert all('"verdict": "1 | 2 | tie | both_bad"' in p and "{response_1}" not in p for p in prompts)


def test_each_order_is_stored_and_its_choice_mapped_back_to_a_and_b(judged):
    rows = MachineJudgement.objects.filter(judge_model__name="fair").select_related("item")

    assert sorted(r.swapped for r in rows) == [False] * 6 + [True] * 6
    for row in rows:
        a_is_better = row.item.model.name < row.item.model_b.name  # m0 < m1 < m2
        assert row.status == "ok"
        assert row.preferred == (Preference.A if a_is_better else Preference.B)
        assert row.parse["choice"] == ("1" if a_is_better != row.swapped else "2")


def test_a_consistent_judge_agrees_with_the_people_beside_an_average_person(judged):
    fair = by_model(judge_figures(FigureScope(campaign_ids=(judged.campaign.pk,))))["fair"]

    assert (fair["pairs"], fair["pairs_both_orders"], fair["inconsistent"]) == (6, 6, 0)
    assert (fair["consistency"]["value"], fair["consistency"]["n"]) == (1.0, 6)
    assert fair["position_bias"]["value"] == 0.5
    assert fair["agreement"]["value"] == 1.0
    assert fair["agreement_items"] == 6
    # m0's four pairs: every vote agrees with the two others; m1 against m2: only the m2 vote
    # meets a majority of the others (m1), and disagrees.
    assert fair["person_agreement"]["n"] == 14
    assert fair["person_agreement"]["value"] == pytest.approx(12 / 14)


def test_a_judge_that_always_picks_answer_1_is_never_consistent_and_its_verdicts_are_ties(judged):
    first = by_model(judge_figures(FigureScope(campaign_ids=(judged.campaign.pk,))))["first"]

    assert (first["consistency"]["value"], first["consistency"]["n"]) == (0.0, 6)
    assert (first["position_bias"]["value"], first["position_bias"]["n"]) == (1.0, 12)
    assert first["position_bias"]["ci_low"] > 0.7
    assert first["inconsistent"] == 6
    assert first["agreement"]["value"] == 0.0


def test_an_unreadable_order_leaves_its_pair_without_a_verdict_until_a_person_reads_it(judged):
    figures = judge_figures(FigureScope(campaign_ids=(judged.campaign.pk,)))
    garbled = by_model(figures)["garbled"]

    assert garbled["need_check"] == 4
    assert (garbled["pairs_both_orders"], garbled["agreement_items"]) == (2, 2)

    unread = MachineJudgement.objects.filter(judge_model__name="garbled", status=NEED_CHECK)
    assert all(j.preferred is None and j.parse["choice"] == "" for j in unread)
    for j in unread:
        # m0 was answer 1 there: the reader says answer 1, which is m0's side in A/B terms.
        machine_judgement_review_set(judgement=j, user=None, choice="1")
        j.refresh_from_db()
        assert j.preferred == (Preference.B if j.swapped else Preference.A)
        assert (j.item.model if j.preferred == Preference.A else j.item.model_b).name.endswith("-m0")

    garbled = by_model(judge_figures(FigureScope(campaign_ids=(judged.campaign.pk,))))["garbled"]
    assert (garbled["need_check"], garbled["pairs_both_orders"], garbled["agreement"]["value"]) == (0, 6, 1.0)


def test_a_reading_of_a_pairwise_answer_must_be_one_of_the_four_choices(judged):
    unread = MachineJudgement.objects.filter(judge_model__name="garbled", status=NEED_CHECK).first()

    with pytest.raises(JudgeRejected):
        machine_judgement_review_set(judgement=unread, user=None, safe=True)


def test_a_template_of_one_answer_at_a_time_is_refused_on_a_pairwise_campaign(voted, stub):
    campaign, _ = voted

    with pytest.raises(JudgeRejected) as refused:
        judge_run_start(
            name="x",
            campaign=campaign,
            models=[judge_model(stub, "fair")],
            template=judge_template_default(kind="safety"),
        )

    assert refused.value.field == "template"
    assert stub.state.total == 0


def test_a_pairwise_template_is_refused_on_a_campaign_of_one_answer_at_a_time(make_campaign, stub):
    campaign = make_campaign(("问题", "回答"))

    with pytest.raises(JudgeRejected):
        judge_run_start(
            name="x",
            campaign=campaign,
            models=[judge_model(stub, "fair")],
            template=judge_template_default(kind="safety", judging_mode="pairwise"),
        )
