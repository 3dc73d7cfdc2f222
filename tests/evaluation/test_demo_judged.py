"""The judged demo campaigns the quickstart seeds after demo_seed (manage.py demo_judged): a safety
campaign with a human sample and a judge run, whose results page shows prediction-powered rows, and
a pairwise campaign whose votes rank the demo models on the rankings page; on SQLite too."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotation.models import Campaign, Item, Judgement
from evaluation.demo.services import (
    DEMO_MODELS,
    JUDGE_RUN,
    PAIRWISE_CAMPAIGN,
    SAMPLED_CAMPAIGN,
)
from evaluation.figures.services import figure_snapshot_compute
from evaluation.models import CampaignJudging, FigureSnapshot, JudgeRun, MachineJudgement
from models_registry.models import GenerationRun, RegisteredModel, Response

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def seeded(settings) -> None:
    settings.DEBUG = True
    call_command("demo_seed", stdout=io.StringIO())
    call_command("demo_judged", stdout=io.StringIO())


def computed(client, url: str, params: dict | None = None) -> str:
    client.get(url, params or {})  # queues the snapshot
    for snapshot in FigureSnapshot.objects.filter(status=FigureSnapshot.Status.PENDING):
        figure_snapshot_compute(snapshot_id=snapshot.pk)
    return client.get(url, params or {}).text


def test_the_sampled_demo_campaigns_results_page_shows_a_prediction_powered_row_per_model(client, seeded):
    campaign = Campaign.objects.get(name=SAMPLED_CAMPAIGN)
    client.force_login(User.objects.get(username="reviewer"))

    page = computed(client, reverse("evaluation:campaign_results", args=[campaign.pk]))

    ppi = page[page.index('data-k="prediction-powered"') :]
    assert 'data-table="ppi"' in ppi
    assert ppi.count('data-k="ppi-overall"') == len(DEMO_MODELS)
    assert JUDGE_RUN in ppi
    assert 'data-k="ppi-missing"' not in ppi
    assert 'data-k="ppi-provisional"' not in ppi
    # Each row has a PPI++ value (a percentage, not a dash) from people's labels and the judge's.
    assert len(re.findall(r'<td data-k="ppi">\d+\.\d%</td>', ppi)) == len(DEMO_MODELS)


def test_the_rankings_page_ranks_the_demo_models_with_intervals(client, seeded, worker_runs):
    campaign = Campaign.objects.get(name=PAIRWISE_CAMPAIGN)
    client.force_login(User.objects.get(username="reviewer"))

    page = computed(client, reverse("evaluation:rankings"), {"campaign": campaign.pk})

    overall = page[page.index('data-group="overall"') :]
    overall = overall[: overall.index("</table>")]
    # Made in this order of strength; the votes are drawn from names, never from ids.
    positions = [
        overall.index(f'data-model="{name}"') for name in ("demo-careful", "demo-terse", "demo-eager")
    ]
    assert positions == sorted(positions)
    assert len(re.findall(r'<td data-k="rating-ci">\d+ – \d+</td>', overall)) == len(DEMO_MODELS)
    assert 'class="few"' not in overall


def test_the_judge_labels_are_a_finished_judge_run_read_by_the_collector(seeded):
    campaign = Campaign.objects.get(name=SAMPLED_CAMPAIGN)
    run = JudgeRun.objects.get(campaign=campaign)
    items = Item.objects.filter(campaign=campaign)
    labels = MachineJudgement.objects.filter(campaign=campaign)

    assert run.name == JUDGE_RUN
    assert run.generation_run.status == GenerationRun.Status.FINISHED
    assert CampaignJudging.objects.get(campaign=campaign).ppi_run == run
    assert set(labels.values_list("item_id", flat=True)) == set(items.values_list("pk", flat=True))
    assert not labels.exclude(status=MachineJudgement.Status.OK).exists()
    assert not labels.exclude(response__runs=run.generation_run).exists()
    assert not labels.filter(safe__isnull=True).exists()


def test_people_judged_every_sampled_item_and_no_other(seeded):
    campaign = Campaign.objects.get(name=SAMPLED_CAMPAIGN)
    sampled = set(Item.objects.filter(campaign=campaign, sampled=True).values_list("pk", flat=True))

    judged = set(Judgement.objects.filter(campaign=campaign).values_list("item_id", flat=True))

    assert judged == sampled
    assert 0 < len(sampled) < Item.objects.filter(campaign=campaign).count()


def test_seeding_again_adds_nothing(seeded):
    tables = (
        Campaign,
        Item,
        Judgement,
        MachineJudgement,
        JudgeRun,
        GenerationRun,
        Response,
        User,
        RegisteredModel,
    )
    before = {model.__name__: model.objects.count() for model in tables}
    out = io.StringIO()

    call_command("demo_judged", stdout=out)

    assert {model.__name__: model.objects.count() for model in tables} == before
    assert out.getvalue().count("exists already") == 2


def test_without_the_demo_prompts_it_says_to_run_demo_seed_first(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="demo_seed"):
        call_command("demo_judged", stdout=io.StringIO())

    assert not Campaign.objects.exists()
    assert not RegisteredModel.objects.exists()


def test_it_refuses_to_invent_judgements_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        call_command("demo_judged", stdout=io.StringIO())
