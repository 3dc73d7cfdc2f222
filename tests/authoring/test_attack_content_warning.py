"""The attack workspace shows its campaign's content warning once per author, before the page, as
the write page does (one gate: authoring.views.content_warning_page)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from authoring.models import Conversation
from common.roles import Role
from models_registry.services import model_register
from tests.authoring.attack_fixtures import attack_campaign_make

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]


@pytest.fixture
def campaign():
    target = model_register(name="target", base_url="http://127.0.0.1:9/v1", model_id="m")
    return attack_campaign_make(
        target, content_warning="Answers may describe violence.", break_after_minutes=25
    )


@pytest.fixture
def author(make_user, client):
    author = make_user(Role.CROWDWORKER, username="warned-author")
    client.force_login(author)
    return author


def workspace(client: Client, campaign) -> str:
    return client.get(reverse("authoring:attack", args=[campaign.pk])).content.decode()


def test_the_first_visit_shows_the_warning_instead_of_the_workspace(client, campaign, author):
    page = workspace(client, campaign)

    assert "Answers may describe violence." in page
    assert reverse("authoring:content_warning", args=[campaign.pk]) in page
    assert 'data-testid="start"' not in page


def test_acknowledging_the_warning_leads_to_the_workspace_which_then_shows_without_it(
    client, campaign, author
):
    response = client.post(reverse("authoring:content_warning", args=[campaign.pk]))

    assert response["Location"] == reverse("authoring:attack", args=[campaign.pk])
    page = workspace(client, campaign)
    assert 'data-testid="start"' in page
    assert "Answers may describe violence." not in page


def test_the_acknowledgement_holds_in_a_new_session(client, campaign, author):
    client.post(reverse("authoring:content_warning", args=[campaign.pk]))
    later = Client()
    later.force_login(author)

    page = workspace(later, campaign)

    assert 'data-testid="start"' in page
    assert "Answers may describe violence." not in page


def test_another_author_is_still_shown_the_warning(client, campaign, author, make_user):
    client.post(reverse("authoring:content_warning", args=[campaign.pk]))
    other = Client()
    other.force_login(make_user(Role.CROWDWORKER, username="other-author"))

    page = workspace(other, campaign)

    assert "Answers may describe violence." in page
    assert 'data-testid="start"' not in page


def test_a_conversation_is_not_started_before_the_warning_is_acknowledged(client, campaign, author):
    response = client.post(reverse("authoring:attack_start", args=[campaign.pk]))

    assert response["Location"] == reverse("authoring:attack", args=[campaign.pk])
    assert not Conversation.objects.exists()


def test_a_campaign_without_a_warning_opens_the_workspace_at_once(client, author):
    target = model_register(name="other", base_url="http://127.0.0.1:9/v1", model_id="m")
    campaign = attack_campaign_make(target, name="unwarned")

    assert 'data-testid="start"' in workspace(client, campaign)


def test_the_workspace_suggests_a_break_after_the_campaigns_minutes(client, campaign, author):
    client.post(reverse("authoring:content_warning", args=[campaign.pk]))

    page = workspace(client, campaign)

    assert 'data-break-after="25"' in page
    assert 'id="break-reminder"' in page
    assert "You have been writing for 25 minutes." in page
    assert "js/break_reminder.js" in page
