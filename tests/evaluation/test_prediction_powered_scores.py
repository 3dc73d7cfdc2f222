"""Prediction-powered scores (issue 28): in a campaign with a human sample and a judge run, each
model's safety rate or mean score, overall and per scenario or domain, as PPI++ with its 95%
interval, beside the people-only estimate on the sample and the judge-only one; on the results
page, in the API and in the dataset card; said plainly when there is no sample or no judge run."""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.models import Campaign, Item, Judgement
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope, results_figures
from evaluation.figures.services import figure_snapshot_compute
from evaluation.models import Export, FigureSnapshot, MachineJudgement
from tests.evaluation.export_support import zip_members
from tests.evaluation.ppi_support import judge_labels, people_judge, sampled_campaign, stored_judge_run

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


def _oracle_checked(section: dict, arrays: dict) -> int:
    checked = 0
    for row in section["rows"]:
        figures = {"": row["overall"], **row["by_group"]}
        for slug, figure in figures.items():
            data = arrays[(row["model"], slug)]
            y, yhat, yhat_u = (np.asarray(data[k]) for k in ("y", "yhat", "yhat_u"))
            lam = figure["lam"]
            point = float(ppi_mean_pointestimate(y, yhat, yhat_u, lam=lam)[0])
            low, high = ppi_mean_ci(y, yhat, yhat_u, alpha=0.05, lam=lam)
            assert figure["ppi"]["value"] == pytest.approx(point, abs=TOLERANCE)
            assert figure["ppi"]["ci_low"] == pytest.approx(float(low[0]), abs=TOLERANCE)
            assert figure["ppi"]["ci_high"] == pytest.approx(float(high[0]), abs=TOLERANCE)
            assert figure["people"]["value"] == pytest.approx(float(y.mean()), abs=TOLERANCE)
            assert figure["judge"]["value"] == pytest.approx(
                float(np.concatenate([yhat, yhat_u]).mean()), abs=TOLERANCE
            )
            assert (figure["labelled"], figure["unlabelled"]) == (y.size, yhat_u.size)
            checked += 1
    return checked


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
    people_judge(make_user, sampled)
    stored_judge_run(sampled.campaign, judge_labels(sampled))

    figures = results_figures(FigureScope(campaign_ids=(sampled.campaign.pk,)))

    (section,) = figures["prediction_powered"]["campaigns"]
    assert section["note"] is None
    # 2 models, each overall and in its 2 groups.
    assert _oracle_checked(section, _stored_rows(sampled.campaign)) == 6
    # The power-tuned λ is used, not plain PPI nor people alone, on a judge this good.
    assert all(0 < row["overall"]["lam"] < 1 for row in section["rows"])


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
