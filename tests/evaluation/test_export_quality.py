"""Exports carry quality control: check items and exclusions flagged, final values with their
provenance, each judge's gold accuracy and competence in the dataset card."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation.models import ItemPurpose
from annotation.quality import services as quality
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from metrics.scores import Estimate
from tests.annotation.quality_support import judge_next, mark, settings_set
from tests.evaluation.export_support import jsonl, zip_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(make_campaign, make_user, admin_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("g", "rg"), n=2, min_seconds=0)
    mark(campaign.items.get(prompt__text="g"), ItemPurpose.GOLD, admin_user, safe=True)
    settings_set(campaign, gold_rate=1.0)
    judges = [make_user(Role.CROWDWORKER) for _ in range(3)]
    for judge in judges[:2]:
        for _ in range(3):
            judge_next(judge, campaign, safe=True)
    quality.judge_exclude(campaign=campaign, user=judges[1], by=admin_user, reason="test")
    for _ in range(3):  # the gold item, then the two slots the exclusion opened
        judge_next(judges[2], campaign, safe=True)
    quality.judge_competence_record(campaign=campaign, competence={judges[0].pk: 0.93})
    quality.item_adjudicate(
        item=campaign.items.get(prompt__text="b"), by=admin_user, data={"safe": False, "note": "n"}
    )
    return campaign, judges


def _members(campaign) -> dict[str, bytes]:
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(campaign.pk,)),
        enqueue=False,
    )
    return zip_members(Path(export_services.export_run(export_id=export.pk).file.path))


def test_judgement_rows_flag_gold_items_and_excluded_judges(judged):
    campaign, judges = judged

    rows = jsonl(_members(campaign)["judgements.jsonl"])

    excluded = judges[1].annotator_profile.pseudonym
    assert {r["item_purpose"] for r in rows} == {"regular", "gold"}
    assert all(r["check_passed"] == r["safe"] for r in rows if r["item_purpose"] == "gold")  # known: safe
    assert {r["excluded"] for r in rows if r["judge"] == excluded} == {True}
    assert {r["excluded"] for r in rows if r["judge"] != excluded} == {False}


def test_item_rows_carry_the_final_value_and_its_provenance_and_no_gold_item(judged):
    campaign, _ = judged

    rows = jsonl(_members(campaign)["items.jsonl"])

    by_prompt = {r["prompt"]: (r["final_value"], r["final_source"]) for r in rows}
    assert by_prompt == {"a": (1.0, "unanimous"), "b": (0.0, "adjudicated")}


def test_the_dataset_card_lists_each_judges_gold_accuracy_and_exclusion(judged):
    campaign, judges = judged

    card = _members(campaign)["README.md"].decode()

    section = card.split("## Judges: gold accuracy and exclusions", 1)[1].split("\n## ", 1)[0]
    line = next(x for x in section.splitlines() if judges[0].annotator_profile.pseudonym in x)
    excluded = next(x for x in section.splitlines() if judges[1].annotator_profile.pseudonym in x)
    assert "100.0%" in line
    assert excluded.rstrip().endswith("| yes |")
    assert "## Judges' competence" in card


def test_the_dataset_card_gives_each_judges_competence_with_its_interval_as_the_quality_page_does(
    judged,
):
    campaign, judges = judged
    quality.judge_competence_record(
        campaign=campaign, competence={judges[2].pk: Estimate(0.48, 24, 0.31, 0.76)}
    )

    card = _members(campaign)["README.md"].decode()

    section = card.split("## Judges: gold accuracy and exclusions", 1)[1].split("\n## ", 1)[0]
    line = next(x for x in section.splitlines() if judges[2].annotator_profile.pseudonym in x)
    assert "| 48.0% | 31.0% – 76.0% |" in line
    assert "Dawid–Skene accuracy" not in card


def test_judgements_made_before_an_item_became_gold_are_exported_as_counted(
    make_campaign, make_user, admin_user
):
    campaign = make_campaign(("a", "ra"), n=2, min_seconds=0)
    early = [make_user(Role.CROWDWORKER) for _ in range(2)]
    for judge in early:
        judge_next(judge, campaign, safe=True)
    quality.gold_promote_unanimous(campaign=campaign, by=admin_user)
    late = make_user(Role.CROWDWORKER)
    judge_next(late, settings_set(campaign, gold_rate=1.0), safe=True)

    rows = jsonl(_members(campaign)["judgements.jsonl"])

    by_judge = {r["judge"]: (r["item_purpose"], r["before_check"], r["check_passed"]) for r in rows}
    assert by_judge == {
        early[0].annotator_profile.pseudonym: ("gold", True, None),
        early[1].annotator_profile.pseudonym: ("gold", True, None),
        late.annotator_profile.pseudonym: ("gold", False, True),
    }
