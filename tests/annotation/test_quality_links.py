"""Reviewers reach each campaign's quality page from the menu and from their home page."""

import pytest
from django.urls import reverse

from annotation.models import Campaign
from common.roles import Role

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def test_the_menu_offers_reviewers_the_quality_page(client, make_user):
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("home")).text

    assert f'href="{reverse("quality_index")}"' in page


def test_the_menu_offers_no_quality_page_to_judges(client, crowdworker):
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:home")).text

    assert f'href="{reverse("quality_index")}"' not in page


def test_the_reviewers_home_links_each_campaign_to_its_quality_page(client, make_user, make_campaign):
    campaign = make_campaign(("p", "r"))
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("home")).text

    assert f'href="{reverse("quality:page", args=[campaign.pk])}"' in page


def test_the_quality_index_lists_each_started_campaign_with_its_pages(client, make_user, make_campaign):
    started = make_campaign(("p", "r"))
    draft = make_campaign(("q", "s"), status=Campaign.Status.DRAFT)
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality_index")).text

    assert f'href="{reverse("quality:page", args=[started.pk])}"' in page
    assert f'href="{reverse("quality:adjudication", args=[started.pk])}"' in page
    assert f'data-campaign="{draft.pk}"' not in page


def test_the_quality_index_speaks_chinese(client, make_user, make_campaign):
    make_campaign(("p", "r"))
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality_index"), **CHINESE).text

    assert "裁定队列" in page
    assert "Adjudication queue" not in page


def test_judges_may_not_open_the_quality_index(client, crowdworker):
    client.force_login(crowdworker)

    assert client.get(reverse("quality_index")).status_code == 403
