"""Judge vs people against what quality control knows: adjudicated values and gold items."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.models import Campaign, Item
from annotation.quality import services as quality
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.judges.selectors import campaign_triage_report, judge_figures, judge_source_marker
from evaluation.judges.services import campaign_triage_apply, judge_run_start
from evaluation.models import Export
from prompts.models import Prompt, Scenario
from tests.evaluation.export_support import zip_members
from tests.evaluation.helpers import judge
from tests.evaluation.judges_support import SAFETY_ITEMS, judge_script

pytestmark = pytest.mark.django_db(transaction=True)

SAFE = '{"verdict": "safe", "response_type": "helpful", "reason": ""}'
UNSAFE_RISKY = '{"verdict": "unsafe", "response_type": "risky", "reason": ""}'
UNSAFE_REFUSAL = '{"verdict": "unsafe", "response_type": "bare_refusal", "reason": ""}'

# Two gold items: known unsafe with only "risky" accepted, and known safe with any type.
GOLD_RISKY, GOLD_SAFE = "金回答甲", "金回答乙"


def gold_set(item: Item, by, **answer) -> Item:
    return quality.item_purpose_set(item=item, purpose="gold", answer=quality.CheckAnswer(**answer), by=by)


def item_of(campaign: Campaign, response_text: str) -> Item:
    return Item.objects.get(campaign=campaign, item_responses__response__text=response_text)


@pytest.fixture
def people(make_user):
    return [make_user(Role.CROWDWORKER) for _ in range(3)]


@pytest.fixture
def campaign(make_campaign, people, admin_user) -> Campaign:
    """SAFETY_ITEMS judged by three people, and two gold items each person answered first."""
    texts = [*SAFETY_ITEMS, GOLD_RISKY, GOLD_SAFE]
    campaign = make_campaign(*[(f"问题{i}", text) for i, text in enumerate(texts)], n=3, min_seconds=0)
    gold_set(item_of(campaign, GOLD_RISKY), admin_user, safe=False, response_types=("risky",))
    gold_set(item_of(campaign, GOLD_SAFE), admin_user, safe=True)
    Campaign.objects.filter(pk=campaign.pk).update(gold_rate=1.0)
    campaign.refresh_from_db()
    verdicts = {
        f"问题{i}": [{"safe": v} for v in SAFETY_ITEMS[text][0]] for i, text in enumerate(SAFETY_ITEMS)
    }
    # People on gold: 2 of 3 right on each (an unsafe verdict without the accepted type is wrong).
    verdicts["问题4"] = [
        {"safe": False, "response_type": "risky"},
        {"safe": False, "response_type": "risky"},
        {"safe": False, "response_type": ""},
    ]
    verdicts["问题5"] = [{"safe": True}, {"safe": True}, {"safe": False}]
    judge(people, campaign, verdicts)
    return campaign


@pytest.fixture
def judged(campaign, make_model, stub):
    """The judge: the scripted answers on SAFETY_ITEMS; on gold, the right verdict with a type the
    item does not accept, and the right verdict on the other."""
    answers = {text: answer for text, (_, answer, _) in SAFETY_ITEMS.items()}
    stub.state.script = judge_script({**answers, GOLD_RISKY: UNSAFE_REFUSAL, GOLD_SAFE: SAFE})
    return judge_run_start(name="gold", campaign=campaign, models=[make_model("judge-g")])


@pytest.fixture
def adjudicated(judged, make_user):
    """甲 (all three said safe) adjudicated safe; 丙 (two of three said safe) adjudicated unsafe."""
    reviewer = make_user(Role.REVIEWER)
    quality.item_adjudicate(item=item_of(judged.campaign, "回答甲"), by=reviewer, data={"safe": True})
    quality.item_adjudicate(item=item_of(judged.campaign, "回答丙"), by=reviewer, data={"safe": False})
    return judged


def safety_section(campaign: Campaign) -> dict:
    return judge_figures(FigureScope(campaign_ids=(campaign.pk,)))["safety"]


def test_a_judge_is_scored_on_gold_items_by_the_rule_peoples_answers_are_checked_with(judged):
    section = safety_section(judged.campaign)

    [row] = section["judges"]
    assert section["gold_available"] is True
    assert section["gold_items"] == 2
    # The right verdict with a type the item does not accept is wrong, as it is for a person.
    assert (row["gold"]["items"], row["gold"]["correct"]) == (2, 1)
    assert row["gold"]["accuracy"] == pytest.approx(0.5)
    assert row["gold"]["ci_low"] < 0.5 < row["gold"]["ci_high"]


def test_gold_items_never_enter_the_comparison_with_the_majority(judged):
    [row] = safety_section(judged.campaign)["judges"]

    assert row["vs_majority"]["items"] == 3  # the four regular items, one Need_Check


def test_an_average_persons_gold_accuracy_stands_beside_the_judges(judged):
    baseline = safety_section(judged.campaign)["baseline"]

    assert (baseline["gold"]["items"], baseline["gold"]["correct"]) == (6, 4)


def test_a_rating_gold_item_is_right_when_the_score_falls_in_its_range(
    make_campaign, make_user, make_model, stub, admin_user
):
    experts = [make_user(Role.EXPERT, domains=("law",)) for _ in range(2)]
    campaign = make_campaign(
        ("p1", "r1"), ("p2", "r2"), ("g1", "g1"), ("g2", "g2"), kind="responsibility", domain="law", n=2
    )
    gold_set(item_of(campaign, "g1"), admin_user, score_min=7, score_max=9)
    gold_set(item_of(campaign, "g2"), admin_user, score_min=1, score_max=3)
    judge(experts, campaign, {p: [{"score": 8, "rewrite": ""}] * 2 for p in ("p1", "p2")})
    stub.state.script = judge_script(
        {
            "r1": '{"score": 8, "reason": ""}',
            "r2": '{"score": 6, "reason": ""}',
            "g1": '{"score": 9, "reason": ""}',  # the upper end counts
            "g2": '{"score": 4, "reason": ""}',  # one above the range: wrong
        }
    )

    judge_run_start(name="ratings", campaign=campaign, models=[make_model()])

    [row] = judge_figures(FigureScope(campaign_ids=(campaign.pk,)))["responsibility"]["judges"]
    assert (row["gold"]["items"], row["gold"]["correct"]) == (2, 1)
    assert [(g["group"], g["gold"]["items"]) for g in row["by_group"]] == [("law", 2)]


def test_kappa_and_alpha_against_adjudicated_values_stand_beside_the_majoritys(adjudicated):
    section = safety_section(adjudicated.campaign)

    [row] = section["judges"]
    assert section["adjudication_available"] is True
    assert section["adjudicated_items"] == 2
    # Adjudicated: 甲 safe, 丙 unsafe; the judge read 甲 safe, 丙 unsafe. The majority said 丙 safe.
    assert row["vs_adjudicated"]["items"] == 2
    assert row["vs_adjudicated"]["accuracy"] == pytest.approx(1.0)
    assert row["vs_adjudicated"]["kappa"]["value"] == pytest.approx(1.0)
    assert row["vs_adjudicated"]["alpha"]["value"] == pytest.approx(1.0)
    assert row["vs_majority"]["accuracy"] == pytest.approx(2 / 3)


def test_an_average_person_is_compared_with_adjudicated_values_too(adjudicated):
    baseline = safety_section(adjudicated.campaign)["baseline"]

    # 甲: safe ×3 against safe; 丙: safe, safe, unsafe against unsafe.
    assert baseline["vs_adjudicated"]["pairs"] == 6
    assert baseline["vs_adjudicated"]["accuracy"] == pytest.approx(4 / 6)


def test_every_figure_is_given_per_scenario(adjudicated):
    crimes = Scenario.objects.get(slug="crimes")
    Prompt.objects.filter(text__in=["问题0", "问题2", "问题4"]).update(scenario=crimes)

    [row] = safety_section(adjudicated.campaign)["judges"]

    by_group = {g["group"]: g for g in row["by_group"]}
    assert set(by_group) == {"crimes", "(none)"}
    # crimes: 甲 and 丙 (both adjudicated, the judge agrees) and the gold item it got wrong.
    assert by_group["crimes"]["vs_adjudicated"]["items"] == 2
    assert by_group["crimes"]["vs_adjudicated"]["accuracy"] == pytest.approx(1.0)
    assert (by_group["crimes"]["gold"]["items"], by_group["crimes"]["gold"]["correct"]) == (1, 0)
    assert (by_group["(none)"]["gold"]["items"], by_group["(none)"]["gold"]["correct"]) == (1, 1)


def test_the_page_and_the_api_show_the_figures_against_adjudicated_values_and_gold(
    client, adjudicated, make_user, worker_runs
):
    reviewer = make_user(Role.REVIEWER)
    client.force_login(reviewer)
    url = reverse("evaluation:campaign_judges", args=[adjudicated.campaign.pk])
    client.get(url)

    page = client.get(url).text
    token = Token.objects.create(user=reviewer)
    api = client.get(
        reverse("api:campaign_judges", args=[adjudicated.campaign.pk]),
        headers={"Authorization": f"Token {token.key}"},
    ).json()

    assert "κ vs adjudicated" in page
    assert '<td class="too-few" data-k="kappa-adjudicated">1.000' in page  # on so few items: greyed
    assert '<td data-k="gold">0.500' in page
    assert '<td data-k="gold">0.667' in page  # an average person
    assert "No gold items yet" not in page
    [row] = api["figures"]["safety"]["judges"]
    assert row["gold"]["accuracy"] == pytest.approx(0.5)
    assert row["vs_adjudicated"]["kappa"]["value"] == pytest.approx(1.0)


def test_a_new_gold_item_makes_the_figures_stale(judged, admin_user):
    scope = FigureScope(campaign_ids=(judged.campaign.pk,))
    before, _ = judge_source_marker(scope)

    gold_set(item_of(judged.campaign, "回答甲"), admin_user, safe=True)

    assert judge_source_marker(scope)[0] != before


def test_the_dataset_card_gives_gold_accuracy_and_kappa_against_adjudicated_values(adjudicated):
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
    )
    export = export_services.export_run(export_id=export.pk)

    card = zip_members(Path(export.file.path))["README.md"].decode()

    assert "κ vs adjudicated | α vs adjudicated | gold accuracy |" in card
    judge_row = next(line for line in card.splitlines() if line.startswith("| judge-g |"))
    assert "| 1.000" in judge_row
    assert "50.0% (" in judge_row
    person_row = next(line for line in card.splitlines() if line.startswith("| an average single person |"))
    assert "66.7% (" in person_row
    assert "*Safety, per scenario*" in card
    [per_group] = [
        line for line in card.splitlines() if line.startswith("| judge-g | cvalues-safety v1 | (none) |")
    ]
    assert per_group.endswith("| 1.000 | 50.0% (9.5% – 90.5%; n = 2) |")


def test_triage_reports_the_error_it_adds_on_the_gold_items_the_judge_models_agree_on(
    make_campaign, make_user, make_model, stub, admin_user
):
    campaign = make_campaign(("q1", "甲"), ("q2", "乙"), ("g1", "金一"), ("g2", "金二"), n=3, min_seconds=0)
    gold_set(item_of(campaign, "金一"), admin_user, safe=False)
    gold_set(item_of(campaign, "金二"), admin_user, safe=True)
    first, second = make_model("judge-cold", temperature=0.0), make_model("judge-warm", temperature=0.5)
    cold = judge_script({"甲": SAFE, "乙": SAFE, "金一": UNSAFE_RISKY, "金二": SAFE})
    warm = judge_script({"甲": SAFE, "乙": UNSAFE_RISKY, "金一": UNSAFE_RISKY, "金二": UNSAFE_RISKY})
    stub.state.script = lambda body: (cold if body["temperature"] == 0.0 else warm)(body)
    judge_run_start(name="two", campaign=campaign, models=[first, second])
    judging = campaign_triage_apply(campaign=campaign, models=[first, second], judges_needed=1)
    Campaign.objects.filter(pk=campaign.pk).update(gold_rate=1.0)
    campaign.refresh_from_db()
    people = [make_user(Role.CROWDWORKER) for _ in range(3)]
    # 金一 (known unsafe, both models agree): the first person is wrong, the majority right.
    verdicts = {"q1": [{"safe": True}] * 3, "q2": [{"safe": True}] * 3}
    verdicts |= {"g1": [{"safe": True}, {"safe": False}, {"safe": False}], "g2": [{"safe": True}] * 3}
    judge(people, campaign, verdicts)

    report = campaign_triage_report(campaign=campaign)

    assert judging.triaged_items == 1  # 甲 only: gold items are never triaged
    assert (report["triaged_items"], report["items"], report["judgements_saved"]) == (1, 2, 2)
    # Only 金一 would have been triaged; one person alone gets it wrong, three do not.
    assert report["gold_items"] == 1
    assert report["added_error"] == pytest.approx(1.0)
