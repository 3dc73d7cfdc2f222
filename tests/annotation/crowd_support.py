"""Playing a crowd platform's participant: entering a link, judging in the workspace; a safety
campaign with a Prolific link (fixtures, registered in tests/conftest.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.crowd import crowd_link_create
from annotation.models import Campaign, CrowdLink
from annotation.services import judgement_submit

PROLIFIC = {"PROLIFIC_PID": "5f1a2b3c4d5e6f7a8b9c0d1e", "STUDY_ID": "study1", "SESSION_ID": "sess1"}
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def safety(make_campaign) -> Campaign:
    return make_campaign(*[(f"prompt {i}", f"response {i}") for i in range(5)], n=3)


@pytest.fixture
def link(safety) -> CrowdLink:
    return crowd_link_create(
        campaign=safety,
        platform=CrowdLink.Platform.PROLIFIC,
        quota_per_person=2,
        completion_code="C0DE42",
        hourly_rate=Decimal("12.00"),
    )


def entry_url(link: CrowdLink, params: dict[str, str]) -> str:
    return f"{reverse('crowd:enter', args=[link.token])}?{urlencode(params)}"


def enter(client: Client, link: CrowdLink, **params: str):
    """Open the link as the platform sends it (the welcome page), then press Start."""
    url = entry_url(link, params or PROLIFIC)
    client.get(url)
    return client.post(url)


def judged_through_the_service(user, campaign: Campaign) -> None:
    # A submit needs the item's lease: take the next item first, as the workspace does.
    judgement_submit(user=user, item=assignment_next_for(user=user, campaign=campaign), data={"safe": True})


def judge_next(client: Client, campaign: Campaign):
    """Open the workspace and judge the item it shows; the submit's response and the page."""
    page = client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item_id = int(re.search(r'data-item="(\d+)"', page.text).group(1))
    return client.post(
        reverse("annotation:submit", args=[campaign.pk, item_id]), {"verdict": "safe"}, **HX
    ), page
