"""The Prolific participant's welcome says, before anything is made, how many answers they judge,
how long it takes and what it pays, even for the first participant and a link with no rate."""

from __future__ import annotations

import pytest

from annotation.crowd import crowd_link_create
from annotation.models import CrowdLink, Judgement
from tests.annotation.crowd_support import PROLIFIC, enter, entry_url, judged_through_the_service

pytestmark = pytest.mark.django_db


def _items(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</li>", start)]


def test_the_first_participant_is_told_the_expected_time_is_not_known_yet(client, link):
    page = client.get(entry_url(link, PROLIFIC)).text

    assert "Expected time: not known yet" in _items(page, "expected-time")


def test_a_later_participant_is_told_the_expected_time_from_the_others(client, link):
    enter(client, link)
    judged_through_the_service(CrowdLink.objects.get().participants.get().user, link.campaign)
    Judgement.objects.update(time_spent_ms=90_000)
    client.logout()

    page = client.get(entry_url(link, {**PROLIFIC, "PROLIFIC_PID": "another", "SESSION_ID": "s2"})).text

    # Two answers at a median of a minute and a half each.
    assert "Expected time: about 3 minutes" in _items(page, "expected-time")


def test_a_link_without_a_rate_sends_the_participant_to_the_platform_for_the_pay(client, safety):
    link = crowd_link_create(
        campaign=safety, platform=CrowdLink.Platform.PROLIFIC, quota_per_person=2, completion_code="X"
    )

    page = client.get(entry_url(link, PROLIFIC)).text

    assert "Pay: as the study on the platform sets it." in _items(page, "pay")


def test_the_welcome_reads_in_chinese(client, link):
    page = client.get(entry_url(link, PROLIFIC), HTTP_ACCEPT_LANGUAGE="zh-CN").text

    assert "预计用时：尚不清楚" in _items(page, "expected-time")
