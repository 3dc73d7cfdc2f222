"""A judgement has one input (annotation.inputs.JudgementInput), parsed once from the judging
page's form or from the API's fields: both name a risk scenario by its slug or by its id, and the
page's submit looks no scenario up in the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Item, Judgement
from prompts.models import Scenario
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def crimes() -> Scenario:
    return Scenario.objects.get(slug="crimes")


@pytest.mark.parametrize("name", ["slug", "pk"])
def test_the_judging_page_takes_a_scenario_by_slug_or_by_id(client, make_campaign, crowdworker, crimes, name):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = Item.objects.get(leases__user=crowdworker)

    client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]),
        {"verdict": "unsafe", "response_type": "risky", "scenario": str(getattr(crimes, name))},
        headers=HX,
    )

    assert Judgement.objects.get().scenario == crimes


@pytest.mark.parametrize("name", ["slug", "pk"])
def test_the_api_takes_a_scenario_by_slug_or_by_id(make_campaign, crowdworker, crimes, name):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)

    response = api_as(crowdworker).post(
        "/api/judgements/",
        {"item": item.pk, "safe": False, "scenario": str(getattr(crimes, name))},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["scenario"] == "crimes"


@pytest.mark.parametrize("where", ["page", "api"])
def test_a_scenario_nobody_knows_is_refused_under_its_field(client, make_campaign, crowdworker, where):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)

    if where == "api":
        response = api_as(crowdworker).post(
            "/api/judgements/", {"item": item.pk, "safe": True, "scenario": "no-such"}, format="json"
        )
        assert (response.status_code, response.json()) == (400, {"scenario": "Unknown risk scenario."})
    else:
        client.force_login(crowdworker)
        response = client.post(
            reverse("annotation:submit", args=[campaign.pk, item.pk]),
            {"verdict": "safe", "scenario": "no-such"},
            headers=HX,
        )
        assert "Unknown risk scenario." in response.text
    assert not Judgement.objects.exists()


def test_a_submit_naming_a_scenario_costs_no_more_queries_than_one_without(
    client, make_campaign, crowdworker, crimes
):
    campaign = make_campaign(("p1", "r1"), ("p2", "r2"), ("p3", "r3"))
    client.force_login(crowdworker)
    # The page lists the scenarios: they are in the process cache from here on.
    client.get(reverse("annotation:workspace", args=[campaign.pk]), headers=HX)

    def submit(**fields: str) -> int:
        item = Item.objects.get(leases__user=crowdworker)
        with CaptureQueriesContext(connection) as queries:
            client.post(
                reverse("annotation:submit", args=[campaign.pk, item.pk]),
                {"verdict": "unsafe", "response_type": "risky", **fields},
                headers=HX,
            )
        return len(queries)

    without = submit()
    named = submit(scenario=str(crimes.pk))

    assert named == without
    assert Judgement.objects.filter(scenario=crimes).count() == 1
