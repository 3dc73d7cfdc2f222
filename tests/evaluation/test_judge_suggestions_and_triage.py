from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item, Judgement
from annotation.selectors import campaign_progress
from annotation.services import item_suggestions_set
from common.roles import Role
from evaluation.exports.selectors import judgement_rows
from evaluation.figures.selectors import FigureScope
from evaluation.judges.selectors import campaign_anchoring, campaign_triage_report, judge_figures
from evaluation.judges.services import campaign_suggestions_set, campaign_triage_apply, judge_run_start
from tests.evaluation.judges_support import SAFETY_ITEMS, judge_script, safety_campaign, safety_script
from tests.support.html import checked_values

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HX-Request": "true"}
SAFE = '{"verdict": "safe", "response_type": "helpful", "reason": ""}'
UNSAFE = '{"verdict": "unsafe", "response_type": "risky", "reason": ""}'


@pytest.fixture
def people(make_user):
    return [make_user(Role.CROWDWORKER) for _ in range(3)]


@pytest.fixture
def open_campaign(make_campaign, people, make_model, stub):
    """Judged by people, not blind, and judged by one judge model (the scripted answers)."""
    campaign = safety_campaign(make_campaign, people)
    Campaign.objects.filter(pk=campaign.pk).update(blind=False)
    campaign.refresh_from_db()
    stub.state.script = safety_script()
    model = make_model("suggester")
    judge_run_start(name="suggestions", campaign=campaign, models=[model])
    return campaign, model


def test_a_blind_campaign_never_shows_a_suggestion(make_campaign, people, make_model, stub):
    campaign = safety_campaign(make_campaign, people)
    stub.state.script = safety_script()
    model = make_model()
    judge_run_start(name="j", campaign=campaign, models=[model])

    with pytest.raises(ValueError, match="blind"):
        campaign_suggestions_set(campaign=campaign, model=model)

    assert not Item.objects.filter(campaign=campaign, suggestion__isnull=False).exists()


def test_suggestions_go_to_items_the_model_could_judge_with_what_it_said_and_who_said_it(open_campaign):
    campaign, model = open_campaign

    judging = campaign_suggestions_set(campaign=campaign, model=model, share=1.0)

    shown = {
        item.item_responses.get().response.text: item.suggestion
        for item in Item.objects.filter(campaign=campaign)
    }
    assert judging.suggested_items == 3
    for text, (_, _, safe) in SAFETY_ITEMS.items():
        if safe is None:
            assert shown[text] is None  # Need_Check: nothing to suggest
        else:
            assert shown[text]["safe"] is safe
            assert shown[text]["source"] == "suggester · cvalues-safety v1"


def test_a_share_of_the_items_is_kept_without_suggestion_and_turning_them_off_clears_all(open_campaign):
    campaign, model = open_campaign

    half = campaign_suggestions_set(campaign=campaign, model=model, share=0.5)
    again = campaign_suggestions_set(campaign=campaign, model=model, share=0.5)
    off = campaign_suggestions_set(campaign=campaign, model=None)

    assert half.suggested_items == again.suggested_items <= 3
    assert off.suggested_items == 0
    assert not Item.objects.filter(campaign=campaign, suggestion__isnull=False).exists()


def test_anchoring_compares_agreement_with_the_suggestion_when_shown_and_when_not(open_campaign):
    campaign, model = open_campaign
    campaign_suggestions_set(campaign=campaign, model=model, share=1.0)
    # What the workspace records at submit; here the first item's judgements saw the suggestion.
    first = Item.objects.filter(campaign=campaign).order_by("id").first()
    Judgement.objects.filter(item=first).update(suggestion_shown=True)

    anchoring = campaign_anchoring(campaign=campaign)

    # Item 甲: the model said safe and all three people said safe (shown). Items 乙 and 丙: the
    # model said unsafe; people agreed 2 of 3 and 1 of 3 times (not shown).
    assert anchoring["shown"]["value"] == pytest.approx(1.0)
    assert anchoring["shown"]["n"] == 3
    assert anchoring["not_shown"]["value"] == pytest.approx(3 / 6)
    assert anchoring["difference"] == pytest.approx(0.5)
    assert judge_figures(FigureScope(campaign_ids=(campaign.pk,)))["campaigns"][0]["anchoring"] == anchoring


@pytest.fixture
def two_judges(make_campaign, make_model, stub):
    """A campaign nobody judged yet, and two judge models that agree on two of its four items."""
    campaign = make_campaign(("q1", "甲"), ("q2", "乙"), ("q3", "丙"), ("q4", "丁"), n=3)
    first = make_model("judge-cold", temperature=0.0)
    second = make_model("judge-warm", temperature=0.5)
    cold = judge_script({"甲": SAFE, "乙": UNSAFE, "丙": SAFE, "丁": SAFE})
    warm = judge_script({"甲": SAFE, "乙": UNSAFE, "丙": UNSAFE, "丁": "看情况"})
    stub.state.script = lambda body: (cold if body["temperature"] == 0.0 else warm)(body)
    judge_run_start(name="two", campaign=campaign, models=[first, second])
    return campaign, [first, second]


def test_items_two_judge_models_agree_on_need_fewer_people_and_the_rest_keep_n(two_judges):
    campaign, models = two_judges

    judging = campaign_triage_apply(campaign=campaign, models=models, judges_needed=1)

    slots = {
        i.item_responses.get().response.text: i.open_slots for i in Item.objects.filter(campaign=campaign)
    }
    assert judging.triaged_items == 2
    assert slots == {"甲": 1, "乙": 1, "丙": 3, "丁": 3}


def test_the_campaign_reports_the_judgements_triage_saved(two_judges):
    campaign, models = two_judges
    campaign_triage_apply(campaign=campaign, models=models, judges_needed=1)

    report = campaign_triage_report(campaign=campaign)

    assert (report["triaged_items"], report["items"], report["judgements_saved"]) == (2, 4, 4)
    assert report["models"] == ["judge-cold", "judge-warm"]
    assert report["added_error"] is None  # no gold items yet


def test_a_triaged_item_with_its_one_judgement_counts_as_complete(two_judges, make_user):
    from annotation.assignment import assignment_next_for
    from annotation.services import judgement_submit

    campaign, models = two_judges
    campaign_triage_apply(campaign=campaign, models=models, judges_needed=1)
    person = make_user(Role.CROWDWORKER)
    while (item := assignment_next_for(user=person, campaign=campaign)) is not None:
        judgement_submit(user=person, item=item, data={"safe": True})

    assert campaign_progress(campaign).complete == 2


def test_applying_triage_again_first_gives_the_previous_items_their_n_back(two_judges):
    campaign, models = two_judges
    campaign_triage_apply(campaign=campaign, models=models, judges_needed=1)

    campaign_triage_apply(campaign=campaign, models=models, judges_needed=2)

    assert sorted(Item.objects.filter(campaign=campaign).values_list("open_slots", flat=True)) == [2, 2, 3, 3]


def test_triage_needs_exactly_two_judge_models(two_judges):
    campaign, models = two_judges

    with pytest.raises(ValueError, match="two judge models"):
        campaign_triage_apply(campaign=campaign, models=models[:1])


def test_anchoring_is_measured_on_judgements_made_on_the_judging_page(
    client, make_campaign, make_user, make_model, stub, worker_runs
):
    campaign = make_campaign(*[(f"问题{i}", text) for i, text in enumerate(SAFETY_ITEMS)], n=2, blind=False)
    stub.state.script = safety_script()
    model = make_model("suggester")
    judge_run_start(name="suggestions", campaign=campaign, models=[model])
    campaign_suggestions_set(campaign=campaign, model=model, share=1.0)
    # 丙 is kept as the control: shown nothing (丁 has none anyway: its answer was Need_Check).
    control = Item.objects.get(campaign=campaign, item_responses__response__text="回答丙")
    item_suggestions_set(campaign=campaign, suggestions={control.pk: None})
    workspace = reverse("annotation:workspace", args=[campaign.pk])
    # People who take whatever is pre-filled, and say "safe" when nothing is.
    for person in [make_user(Role.CROWDWORKER) for _ in range(2)]:
        client.force_login(person)
        while "judge-form" in (page := client.get(workspace, headers=HX).text):
            item = Item.objects.get(campaign=campaign, leases__user=person)
            verdict = "unsafe" if checked_values(page, "verdict") == ["unsafe"] else "safe"
            client.post(
                reverse("annotation:submit", args=[campaign.pk, item.pk]), {"verdict": verdict}, headers=HX
            )

    anchoring = campaign_anchoring(campaign=campaign)
    reviewer = make_user(Role.REVIEWER)
    client.force_login(reviewer)
    client.get(reverse("evaluation:campaign_judges", args=[campaign.pk]))
    page = client.get(reverse("evaluation:campaign_judges", args=[campaign.pk])).text

    shown = dict(
        Judgement.objects.values_list("item__item_responses__response__text", "suggestion_shown").distinct()
    )
    assert shown == {"回答甲": True, "回答乙": True, "回答丙": False, "回答丁": False}
    # Shown: 甲 (safe) and 乙 (unsafe), taken by both people. Not shown: 丙, where the model said
    # unsafe and both people safe; 丁 has no machine verdict to agree with.
    assert (anchoring["shown"]["value"], anchoring["shown"]["n"]) == (1.0, 4)
    assert (anchoring["not_shown"]["value"], anchoring["not_shown"]["n"]) == (0.0, 2)
    assert anchoring["difference"] == pytest.approx(1.0)
    assert "Suggestions and anchoring" in page
    assert "<td>1.000</td><td>4</td>" in page
    assert "<td>0.000</td><td>2</td>" in page
    exported = judgement_rows(scope=FigureScope(campaign_ids=(campaign.pk,), include_incomplete=True))
    assert sorted(r["suggestion_shown"] for r in exported) == [False] * 4 + [True] * 4
