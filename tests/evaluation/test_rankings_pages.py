"""The rankings page, its API and its CSV: one snapshot, the same numbers, the results' permission."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from common.roles import Role
from tests.evaluation.rankings_support import better_of, judge_every_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


@pytest.fixture
def ranked(pair_setup, make_pair_campaign, make_user):
    setup = pair_setup(models=3, prompts=3)
    campaign = make_pair_campaign(setup, n=2)
    judges = [make_user(Role.CROWDWORKER, username=f"ranked-{i}") for i in range(2)]
    judge_every_pair(campaign, judges, better_of([m.pk for m in setup.models]))
    return campaign, setup.models


def computed(client, url, params) -> object:
    client.get(url, params)  # queues the computation
    return client.get(url, params)


def test_the_page_ranks_the_models_best_first_with_intervals(client, reviewer, ranked, worker_runs):
    campaign, models = ranked
    client.force_login(reviewer)

    page = computed(client, reverse("evaluation:rankings"), {"campaign": campaign.pk}).text

    overall = page[page.index('data-group="overall"') :]
    positions = [overall.index(f'data-model="{m.name}"') for m in models]
    assert positions == sorted(positions)
    assert 'data-k="rating-ci"' in overall
    assert 'data-k="position-bias"' in page
    assert 'data-table="win-matrix"' in page


def test_the_api_and_the_csv_carry_the_pages_ratings(client, reviewer, ranked, worker_runs):
    campaign, models = ranked
    client.force_login(reviewer)
    computed(client, reverse("evaluation:rankings"), {"campaign": campaign.pk})
    token = Token.objects.create(user=reviewer)

    api = client.get(
        reverse("api:rankings"), {"campaign": campaign.pk}, HTTP_AUTHORIZATION=f"Token {token.key}"
    ).json()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("evaluation:rankings_export"), {"campaign": campaign.pk}).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )

    from_api = {row["model"]: row["rating"] for row in api["figures"]["overall"]["rows"]}
    from_csv = {row["model"]: float(row["rating"]) for row in rows if row["group"] == ""}
    assert from_api.keys() == {m.name for m in models}
    assert from_csv == pytest.approx(from_api)
    assert from_api[models[0].name] > from_api[models[2].name]


def test_a_crowdworker_may_not_see_the_rankings(client, make_user, ranked):
    client.force_login(make_user(Role.CROWDWORKER, username="curious"))

    assert client.get(reverse("evaluation:rankings")).status_code == 403
    assert client.get(reverse("evaluation:rankings_export")).status_code == 403


def test_the_csv_before_the_figures_are_computed_is_not_found(client, reviewer, ranked, no_worker):
    client.force_login(reviewer)

    assert client.get(reverse("evaluation:rankings_export")).status_code == 404


def test_the_page_reads_in_chinese(client, reviewer, ranked, worker_runs):
    campaign, _ = ranked
    client.force_login(reviewer)

    client.get(reverse("evaluation:rankings"), {"campaign": campaign.pk})  # queues the computation
    with translation.override("zh-hans"):
        page = client.get(
            reverse("evaluation:rankings"), {"campaign": campaign.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).text

    assert "排名" in page
    assert "位置偏差" in page


def test_without_a_pairwise_campaign_the_page_says_so_and_offers_no_csv(client, reviewer, worker_runs):
    client.force_login(reviewer)

    page = computed(client, reverse("evaluation:rankings"), {}).text

    assert 'data-testid="no-pairwise"' in page
    assert 'data-testid="rankings-csv"' not in page
