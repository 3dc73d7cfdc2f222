"""A campaign's protocol and audit log name staff and steer the campaign page, which is for admins:
every way in (the page, its two downloads, the three API routes) lets admins in and keeps
reviewers out, the same rule everywhere."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annotation.models import Campaign
from common.roles import Role
from tests.annotation.protocol_support import opened
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


def page(user, campaign: Campaign, name: str) -> int:
    client = Client()
    client.force_login(user)
    return client.get(reverse(name, args=[campaign.pk])).status_code


def api(user, campaign: Campaign, route: str) -> int:
    return api_as(user).get(f"/api/campaigns/{campaign.pk}/{route}").status_code


WAYS_IN = {
    "campaign page": lambda user, campaign: page(user, campaign, "campaigns:detail"),
    "protocol download": lambda user, campaign: page(user, campaign, "campaigns:protocol"),
    "protocol items download": lambda user, campaign: page(user, campaign, "campaigns:protocol_items"),
    "api protocol": lambda user, campaign: api(user, campaign, "protocol/"),
    "api protocol items": lambda user, campaign: api(user, campaign, "protocol/items/"),
    "api audit log": lambda user, campaign: api(user, campaign, "audit/"),
}


@pytest.mark.parametrize("way_in", WAYS_IN)
def test_an_admin_reads_the_protocol_and_audit_log_every_way_in(way_in, make_campaign, make_user):
    campaign = opened(make_campaign)

    assert WAYS_IN[way_in](make_user(Role.ADMIN), campaign) == 200


@pytest.mark.parametrize("way_in", WAYS_IN)
def test_a_reviewer_is_refused_the_protocol_and_audit_log_every_way_in(way_in, make_campaign, make_user):
    campaign = opened(make_campaign)

    assert WAYS_IN[way_in](make_user(Role.REVIEWER), campaign) == 403
