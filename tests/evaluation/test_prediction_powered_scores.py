"""Prediction-powered scores (issue 28): in a campaign with a human sample and a judge run, each
model's safety rate or mean score, overall and per scenario or domain, as PPI++ with its 95%
interval, beside the people-only estimate on the sample and the judge-only one; on the results
page, in the API and in the dataset card; said plainly when there is no sample or no judge run."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.services import judgement_submit
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope, results_figures
from evaluation.figures.services import figure_snapshot_compute
from evaluation.models import Export, FigureSnapshot, MachineJudgement
from tests.evaluation.export_support import zip_members
from tests.evaluation.ppi_support import (
    Sampled,
    judge_labels,
    people_judge,
    sampled_campaign,
    stored_judge_run,
)

with warnings.catch_warnings():
    from ppi_py import ppi_mean_ci, ppi_mean_pointestimate

pytestmark = pytest.mark.django_db
TOLERANCE = 1e-6
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER)


def _stored_rows(campaign: Campaign) -> dict[tuple[str, str], dict[str, list[float]]]:
    """Straight from the rows, per (model, group) and per (model, ""): the people's labels of the
    sampled items with the judge's of the same items, and the judge's of the other items."""
    people = {}
    for item_id, safe, score in Judgement.objects.filter(campaign=campaign).values_list(
        "item_id", "safe", "score"
    ):
        people[item_id] = float(safe) if safe is not None else float(score)
    judge = {}
    for item_id, safe, score in MachineJudgement.objects.filter(campaign=campaign).values_list(
        "item_id", "safe", "score"
    ):
        judge[item_id] = float(safe) if safe is not None else float(score)
    group = "prompt__scenario__slug" if campaign.kind == Campaign.Kind.SAFETY else "domain__slug"
    arrays: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for item_id, model, slug, sampled in Item.objects.filter(campaign=campaign).values_list(
        "pk", "model__name", group, "sampled"
    ):
        for key in ((model, ""), (model, slug)):
            if sampled and item_id in people:
                arrays[key]["y"].append(people[item_id])
                arrays[key]["yhat"].append(judge[item_id])
            else:
                arrays[key]["yhat_u"].append(judge[item_id])
    return arrays


def _ppi_python(data: dict[str, list[float]], lam: float) -> tuple[float, float, float]:
    y, yhat, yhat_u = (np.asarray(data[k]) for k in ("y", "yhat", "yhat_u"))
    point = float(ppi_mean_pointestimate(y, yhat, yhat_u, lam=lam)[0])
    low, high = ppi_mean_ci(y, yhat, yhat_u, alpha=0.05, lam=lam)
    return point, float(low[0]), float(high[0])


def _stratified(parts: list[tuple[float, float, float, int]]) -> tuple[float, float]:
    """Σ w_g θ_g and its half-width from the strata's (value, low, high, items), w_g = items / N."""
    total = sum(size for *_rest, size in parts)
    value = sum(size / total * v for v, _low, _high, size in parts)
    half = math.sqrt(sum((size / total) ** 2 * ((high - low) / 2) ** 2 for _v, low, high, size in parts))
    return value, half


def _oracle_checked(section: dict, arrays: dict, *, stratified: bool) -> int:
    checked = 0
    for row in section["rows"]:
        strata = []
        for slug, figure in row["by_group"].items():
            data = arrays[(row["model"], slug)]
            point, low, high = _ppi_python(data, figure["lam"])
            assert figure["ppi"]["value"] == pytest.approx(point, abs=TOLERANCE)
            assert figure["ppi"]["ci_low"] == pytest.approx(low, abs=TOLERANCE)
            assert figure["ppi"]["ci_high"] == pytest.approx(high, abs=TOLERANCE)
            assert figure["people"]["value"] == pytest.approx(float(np.mean(data["y"])), abs=TOLERANCE)
            strata.append((data, point, low, high))
            checked += 1
        overall, everything = row["overall"], arrays[(row["model"], "")]
        if stratified:
            # One estimate per stratum, weighed by the stratum's items (people-only alike).
            sizes = [len(d["y"]) + len(d["yhat_u"]) for d, *_rest in strata]
            value, half = _stratified(
                [(p, lo, hi, n) for (_d, p, lo, hi), n in zip(strata, sizes, strict=True)]
            )
            assert overall["lam"] is None
            people = sum(
                n / sum(sizes) * np.mean(d["y"]) for (d, *_rest), n in zip(strata, sizes, strict=True)
            )
        else:
            value, low, high = _ppi_python(everything, overall["lam"])
            half = (high - low) / 2
            people = np.mean(everything["y"])
        assert overall["ppi"]["value"] == pytest.approx(value, abs=TOLERANCE)
        assert overall["ppi"]["ci_high"] - overall["ppi"]["value"] == pytest.approx(half, abs=TOLERANCE)
        assert overall["people"]["value"] == pytest.approx(float(people), abs=TOLERANCE)
        assert overall["judge"]["value"] == pytest.approx(
            float(np.mean([*everything["yhat"], *everything["yhat_u"]])), abs=TOLERANCE
        )
        assert (overall["labelled"], overall["unlabelled"]) == (
            len(everything["y"]),
            len(everything["yhat_u"]),
        )
        checked += 1
    return checked


def _good_but_imperfect_on_the_sample(sampled: Sampled) -> dict[int, float]:
    """Whatever items the draw picked (their ids differ between databases): in each model (and
    stratum, when drawn per stratum) the sampled items get a fixed pattern of true labels, and the
    judge gets all of them right but one. Its labels then correlate with people's on every sample,
    but not perfectly, so the power-tuned λ lies strictly inside (0, 1) there: with 5 labels out of
    10 items (safety) c = 0.12 and 0.1 ≤ σ²_f ≤ 0.28; with 12 of 20 (scores) c is near σ²_y."""
    campaign = sampled.campaign
    labels = judge_labels(sampled)
    group = "prompt__scenario_id" if campaign.kind == Campaign.Kind.SAFETY else "domain_id"
    pattern = (
        [1.0, 1.0, 0.0, 1.0, 0.0]
        if campaign.kind == Campaign.Kind.SAFETY
        else [5.0, 7.0, 9.0, 6.0, 8.0, 10.0]
    )
    members = defaultdict(list)
    for item_id, model, stratum in (
        Item.objects.filter(campaign=campaign, sampled=True)
        .order_by("pk")
        .values_list("pk", "model_id", group)
    ):
        members[(model, stratum if campaign.human_sample_by_group else None)].append(item_id)
    for ids in members.values():
        for i, item_id in enumerate(ids):
            sampled.truth[item_id] = labels[item_id] = pattern[i % len(pattern)]
        miss = ids[4] if campaign.kind == Campaign.Kind.SAFETY else ids[0]
        labels[miss] = (
            1.0 - sampled.truth[miss] if campaign.kind == Campaign.Kind.SAFETY else sampled.truth[miss] + 1
        )
    return labels


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("kind", "sample"),
    [
        (Campaign.Kind.SAFETY, {"human_sample_rate": 0.5, "human_sample_by_group": True}),
        (Campaign.Kind.RESPONSIBILITY, {"human_sample_count": 12}),
    ],
)
def test_the_estimates_and_intervals_equal_ppi_python_on_the_stored_campaign(make_user, kind, sample):
    sampled = sampled_campaign(make_user, kind=kind, **sample)
    labels = _good_but_imperfect_on_the_sample(sampled)
    people_judge(make_user, sampled)
    stored_judge_run(sampled.campaign, labels)
    stratified = sampled.campaign.human_sample_by_group

    figures = results_figures(FigureScope(campaign_ids=(sampled.campaign.pk,)))

    (section,) = figures["prediction_powered"]["campaigns"]
    assert section["note"] is None
    # 2 models, each overall and in its 2 groups.
    assert _oracle_checked(section, _stored_rows(sampled.campaign), stratified=stratified) == 6
    # The power-tuned λ is used, not plain PPI nor people alone, wherever one λ was tuned on the
    # sample built above: each stratum's when drawn per stratum, else each model's.
    tuned = (
        [g for row in section["rows"] for g in row["by_group"].values()]
        if stratified
        else [row["overall"] for row in section["rows"]]
    )
    assert tuned
    assert all(0 < figure["lam"] < 1 for figure in tuned)


def _computed(client, url, **headers):
    client.get(url, headers=headers)  # queues the snapshot
    for snapshot in FigureSnapshot.objects.filter(status=FigureSnapshot.Status.PENDING):
        figure_snapshot_compute(snapshot_id=snapshot.pk)
    return client.get(url, headers=headers)


@pytest.fixture
def scored(make_user):
    sampled = sampled_campaign(make_user, human_sample_rate=0.5)
    people_judge(make_user, sampled)
    stored_judge_run(sampled.campaign, judge_labels(sampled), name="GPT judge")
    return sampled.campaign


def test_the_results_page_shows_the_three_estimates_beside_each_other(client, reviewer, scored):
    client.force_login(reviewer)
    expected = results_figures(FigureScope(campaign_ids=(scored.pk,)))["prediction_powered"]["campaigns"][0]

    page = _computed(client, reverse("evaluation:campaign_results", args=[scored.pk])).text

    assert 'data-k="prediction-powered"' in page
    assert "Judge labels: the run GPT judge" in page
    first = expected["rows"][0]["overall"]
    assert f'<td data-k="ppi">{100 * first["ppi"]["value"]:.1f}%</td>' in page
    assert f'<td data-k="people">{100 * first["people"]["value"]:.1f}%</td>' in page
    assert f'<td data-k="judge">{100 * first["judge"]["value"]:.1f}%</td>' in page


def test_the_results_page_in_chinese_names_the_estimates_in_chinese(client, reviewer, scored):
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_results", args=[scored.pk]), **ZH).text

    assert "预测增强" in page
    assert "仅人工（样本）" in page


def test_the_api_carries_the_three_estimates_with_their_intervals(client, reviewer, scored):
    auth = {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}

    body = _computed(client, reverse("api:campaign_results", args=[scored.pk]), **auth).json()

    (section,) = body["figures"]["prediction_powered"]["campaigns"]
    assert section["judge"]["run"] == "GPT judge"
    assert section["sample"]["rate"] == 0.5
    assert isinstance(section["sample"]["seed"], int)
    for row in section["rows"]:
        for estimate in ("ppi", "people", "judge"):
            figure = row["overall"][estimate]
            assert figure["ci_low"] < figure["value"] < figure["ci_high"]


def test_the_dataset_card_carries_the_three_estimates(scored):
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(scored.pk,)),
        enqueue=False,
    )
    card = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))["README.md"].decode()

    expected = results_figures(FigureScope(campaign_ids=(scored.pk,)))["prediction_powered"]["campaigns"][0]
    assert "## Prediction-powered scores" in card
    assert "| model | group | PPI++ | people only | judge only | λ | n | N |" in card
    row = expected["rows"][0]
    assert f"| {row['model']} | overall | {row['overall']['ppi']['value']:.3f} (" in card


def test_without_a_judge_run_the_page_says_so_instead_of_an_empty_table(client, reviewer, make_user):
    sampled = sampled_campaign(make_user, human_sample_rate=0.5, prompts=6)
    people_judge(make_user, sampled)
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_results", args=[sampled.campaign.pk])).text

    assert "has a human sample but no judge run of its kind has labelled its items yet" in page
    assert 'data-table="ppi"' not in page


def test_without_a_human_sample_the_page_says_so(client, reviewer, make_campaign, make_user):
    campaign = make_campaign(("p", "r"), n=1)
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_results", args=[campaign.pk])).text

    assert "No campaign of this scope has a human sample" in page
    assert 'data-table="ppi"' not in page


def test_without_a_human_sample_the_chinese_page_says_so_in_chinese(client, reviewer, make_campaign):
    # One regular campaign: its counting has no note, which once skipped translating the scores'.
    campaign = make_campaign(("p", "r"), n=1)
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_results", args=[campaign.pk]), **ZH).text

    assert "此范围内没有评测任务设置人工样本" in page
    assert "No campaign of this scope has a human sample" not in page


@pytest.fixture
def half_judged(make_user):
    """2 models × 6 prompts, 3 items of each model sampled; people have finished 2 of the 6."""
    sampled = sampled_campaign(make_user, human_sample_rate=0.5, prompts=6)
    person = make_user(Role.CROWDWORKER)
    for _ in range(2):
        item = assignment_next_for(user=person, campaign=sampled.campaign)
        judgement_submit(user=person, item=item, data={"safe": bool(sampled.truth[item.pk])})
    stored_judge_run(sampled.campaign, judge_labels(sampled))
    return sampled.campaign


def test_while_sampled_items_are_still_being_judged_the_api_and_the_card_mark_the_rows_provisional(
    client, reviewer, half_judged
):
    auth = {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}

    body = _computed(client, reverse("api:campaign_results", args=[half_judged.pk]), **auth).json()

    (section,) = body["figures"]["prediction_powered"]["campaigns"]
    assert [row["sampled"] for row in section["rows"]] == [3, 3]
    assert sum(row["pending"] for row in section["rows"]) == 4
    for row in section["rows"]:
        assert row["provisional"] is True
        assert f"{row['pending']} of 3 sampled items are still being judged" in row["provisional_note"]
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(half_judged.pk,)),
        enqueue=False,
    )
    card = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))["README.md"].decode()
    assert "of 3 sampled items are still being judged" in card


def test_the_provisional_mark_reads_in_chinese_on_a_chinese_page(client, reviewer, half_judged):
    client.force_login(reviewer)

    page = _computed(client, reverse("evaluation:campaign_results", args=[half_judged.pk]), **ZH).text

    assert 'data-k="ppi-provisional"' in page
    assert "个抽样条目中尚有" in page
    assert "still being judged" not in page


def test_once_every_sampled_item_is_judged_no_row_is_provisional(scored):
    (section,) = results_figures(FigureScope(campaign_ids=(scored.pk,)))["prediction_powered"]["campaigns"]

    assert [(row["provisional"], row["pending"]) for row in section["rows"]] == [(False, 0), (False, 0)]
