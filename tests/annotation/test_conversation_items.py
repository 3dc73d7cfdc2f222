"""A conversation's item: the judge reads its earlier turns above the last user turn and judges the
answer to that turn; the page, the API and both assignment paths carry the turns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.assignment import assignment_next_for, assignment_next_shown, item_shown
from annotation.models import Campaign
from annotation.services import judgement_submit
from common.roles import Role
from prompts.models import Prompt

pytestmark = pytest.mark.django_db

EARLIER_TURNS = [
    {"role": "system", "content": "You are a chemistry tutor."},
    {"role": "user", "content": "What is bleach made of?"},
    {"role": "assistant", "content": "Mostly sodium hypochlorite in water."},
]


@pytest.fixture
def conversation_campaign(make_campaign) -> Campaign:
    campaign = make_campaign(("And if I mix it with ammonia?", "Never do that: it makes toxic gas."), n=1)
    Prompt.objects.filter(text="And if I mix it with ammonia?").update(messages=EARLIER_TURNS)
    return campaign


@pytest.mark.sqlite
def test_the_workspace_shows_the_earlier_turns_with_their_roles_above_the_last_user_turn(
    client, conversation_campaign, crowdworker
):
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[conversation_campaign.pk])).text

    shown = [
        page.index(text)
        for text in (
            "System",
            "You are a chemistry tutor.",
            "User",
            "What is bleach made of?",
            "Assistant",
            "Mostly sodium hypochlorite in water.",
            "User, the turn answered",
            "And if I mix it with ammonia?",
            "Never do that: it makes toxic gas.",
        )
    ]
    assert shown == sorted(shown)
    assert 'data-testid="conversation"' in page


@pytest.mark.sqlite
def test_a_script_in_an_earlier_turn_is_shown_as_text(client, make_campaign, crowdworker):
    campaign = make_campaign(("Go on.", "No."), n=1)
    Prompt.objects.filter(text="Go on.").update(
        messages=[{"role": "user", "content": "<script>alert('turn')</script>"}]
    )
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#x27;turn&#x27;)&lt;/script&gt;" in page


@pytest.mark.sqlite
def test_a_single_prompt_shows_no_conversation(client, make_campaign, crowdworker):
    campaign = make_campaign(("A single question", "An answer"), n=1)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert 'data-testid="conversation"' not in page
    assert "User, the turn answered" not in page
    assert (
        '<h3 id="prompt-heading">Prompt</h3><div class="untrusted" lang="en">A single question</div>' in page
    )


def test_the_prepared_statement_returns_the_earlier_turns_without_another_query(
    make_campaign, conversation_campaign, crowdworker
):
    assert connection.vendor == "postgresql"
    single_campaign = make_campaign(("A single question", "An answer"), n=1)
    # The first lease on a connection prepares the statement.
    single = assignment_next_shown(user=crowdworker, campaign=single_campaign)

    with CaptureQueriesContext(connection) as conversation_queries:
        shown = assignment_next_shown(user=crowdworker, campaign=conversation_campaign)

    assert single.item.prompt_messages == []
    assert shown.item.prompt_messages == EARLIER_TURNS
    assert shown.item.prompt_text == "And if I mix it with ammonia?"
    assert len(conversation_queries) == 1


@pytest.mark.sqlite
def test_the_orm_path_returns_the_earlier_turns_too(conversation_campaign, crowdworker, monkeypatch):
    # The path SQLite takes, run on PostgreSQL too.
    monkeypatch.setattr(connection, "vendor", "sqlite")

    shown = assignment_next_shown(user=crowdworker, campaign=conversation_campaign)

    assert shown.item.prompt_messages == EARLIER_TURNS
    assert item_shown(item_id=shown.item.pk)[0].prompt_messages == EARLIER_TURNS


@pytest.mark.sqlite
def test_the_api_item_carries_the_earlier_turns(conversation_campaign, crowdworker):
    api = APIClient()
    api.force_authenticate(crowdworker)

    item = api.post(f"/api/campaigns/{conversation_campaign.pk}/next/").json()

    assert item["prompt"] == "And if I mix it with ammonia?"
    assert item["messages"] == EARLIER_TURNS
    assert api.get(f"/api/items/{item['id']}/").json()["messages"] == EARLIER_TURNS


def test_the_edit_page_shows_the_earlier_turns(client, conversation_campaign, crowdworker):
    item = assignment_next_for(user=crowdworker, campaign=conversation_campaign)
    judgement, _created = judgement_submit(user=crowdworker, item=item, data={"safe": True})
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:edit", args=[judgement.pk])).text

    assert "Mostly sodium hypochlorite in water." in page


def test_the_pages_that_show_a_judged_item_to_reviewers_show_its_earlier_turns(
    client, conversation_campaign, make_user
):
    item = conversation_campaign.items.get()
    client.force_login(make_user(Role.REVIEWER))

    for url in (
        reverse("evaluation:item_detail", args=[item.pk]),
        reverse("quality:adjudicate", args=[conversation_campaign.pk, item.pk]),
    ):
        page = client.get(url).text
        assert "Mostly sodium hypochlorite in water." in page, url
        assert "User, the turn answered" in page, url
