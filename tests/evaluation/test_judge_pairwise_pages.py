"""Pairwise judges on the pages and the API: runs start with the pairwise template, the judges page
shows swap consistency and agreement beside an average person, a pair answer is read in the
judge's terms, and suggestions and triage are refused in the reader's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from common.roles import Role
from evaluation.judges.services import judge_run_start
from evaluation.models import CampaignJudging, MachineJudgement
from tests.evaluation.pairwise_judges_support import (
    judge_model,
    judges_script,
    unreadable_when_m0_first,
    voted_pair_campaign,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def campaign(pair_setup, make_pair_campaign, make_user):
    people = [make_user(Role.CROWDWORKER, username=f"pair-page-{i}") for i in range(3)]
    campaign, _ = voted_pair_campaign(pair_setup, make_pair_campaign, people)
    return campaign


@pytest.fixture
def judged(campaign, stub):
    stub.state.script = judges_script({"garbled": unreadable_when_m0_first})
    return judge_run_start(name="pair judges", campaign=campaign, models=[judge_model(stub, "garbled")])


def test_the_judges_page_of_a_pairwise_campaign_shows_consistency_beside_an_average_person(
    client, admin_user, judged, worker_runs
):
    client.force_login(admin_user)
    url = reverse("evaluation:campaign_judges", args=[judged.campaign.pk])

    client.get(url)
    page = client.get(url).text
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").text

    assert 'data-kind="pairwise"' in page
    assert "Swap consistency" in page
    assert "An average single person" in page
    assert 'data-k="consistency">100.0%' in page
    assert "garbled" in page
    assert "cvalues-pairwise-safety v1" in page
    assert 'data-k="pairwise-settings"' in page
    assert "Apply triage" not in page
    assert "Swap consistency" not in chinese


def test_the_api_gives_the_pairwise_figures(client, admin_user, judged, worker_runs):
    token = Token.objects.create(user=admin_user)
    url = reverse("api:campaign_judges", args=[judged.campaign.pk])

    client.get(url, headers={"Authorization": f"Token {token.key}"})
    second = client.get(url, headers={"Authorization": f"Token {token.key}"})

    assert second.status_code == 200
    [row] = second.json()["figures"]["pairwise"]["judges"]
    assert row["model"] == "garbled"
    assert (row["need_check"], row["pairs_both_orders"]) == (4, 2)
    assert set(row["consistency"]) == {"value", "n", "ci_low", "ci_high", "too_few"}
    assert row["person_agreement"]["n"] == 2
    assert second.json()["figures"]["safety"] is None


def test_a_run_started_through_the_api_on_a_pairwise_campaign_uses_the_pairwise_template(
    client, admin_user, campaign, stub
):
    stub.state.script = judges_script({"garbled": unreadable_when_m0_first})
    token = Token.objects.create(user=admin_user)

    created = client.post(
        reverse("api:judge_run-list"),
        {"name": "api", "campaign": campaign.pk, "judge_models": [judge_model(stub, "garbled").pk]},
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
    )

    assert created.status_code == 201
    assert created.json()["template"] == "cvalues-pairwise-safety v1"
    assert created.json()["progress"]["machine_judgements"] == 12


def test_a_pair_answer_is_read_on_the_run_page_in_the_judges_terms(client, admin_user, judged):
    client.force_login(admin_user)
    unread = MachineJudgement.objects.filter(status="Need_Check").first()

    page = client.get(reverse("evaluation:judge_run", args=[judged.pk])).text
    client.post(reverse("evaluation:judge_review_set", args=[judged.pk, unread.pk]), {"choice": "2"})

    assert "Answer 2 is better" in page
    unread.refresh_from_db()
    assert unread.status == "ok"
    assert unread.preferred == ("a" if unread.swapped else "b")


def test_suggestions_on_a_pairwise_campaign_are_refused_in_the_readers_language(client, admin_user, judged):
    client.force_login(admin_user)

    response = client.post(
        reverse("evaluation:campaign_suggestions", args=[judged.campaign.pk]),
        {"suggestion_model": judged.generation_run.target_models.get().pk, "share": "0.5"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )

    assert "成对" in response.text
    assert not CampaignJudging.objects.filter(
        campaign=judged.campaign, suggestion_model__isnull=False
    ).exists()
