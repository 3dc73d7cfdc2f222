"""The attack workspace page (a synchronous page; its answers stream from the ASGI endpoint)."""

from __future__ import annotations

import uuid

import pytest

from authoring.attack import conversation_start, turn_begin
from authoring.models import AuthoringCampaign, Conversation, Submission, Turn
from common.roles import Role
from models_registry.services import model_register
from prompts.models import Scenario
from tests.authoring.attack_fixtures import attack_campaign_make

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

XSS = "<script>window.__pwned = 1</script>"


@pytest.fixture
def campaign():
    target = model_register(name="secret-target", base_url="http://127.0.0.1:9/v1", model_id="m")
    return attack_campaign_make(
        target, instructions="Make the model **misbehave**.", content_warning="Harmful text ahead."
    )


@pytest.fixture
def author(make_user, client):
    author = make_user(Role.CROWDWORKER, username="ann-author")
    client.force_login(author)
    return author


def test_the_page_shows_instructions_and_briefs_and_starts_a_conversation(client, campaign, author):
    client.post(f"/authoring/campaigns/{campaign.pk}/warning/")
    page = client.get(f"/authoring/attack/{campaign.pk}/").content.decode()

    assert "<strong>misbehave</strong>" in page
    assert "About crimes" in page
    assert 'data-testid="start"' in page

    response = client.post(f"/authoring/attack/{campaign.pk}/start/")

    assert response.status_code == 302
    conversation = Conversation.objects.get(author=author)
    page = client.get(f"/authoring/attack/{campaign.pk}/").content.decode()
    assert f'action="/authoring/stream/conversations/{conversation.pk}/turns/"' in page
    assert "a hidden model" in page
    assert "secret-target" not in page
    assert 'id="turns-left" data-testid="turns-left">3<' in page


def test_turns_show_as_text_and_answers_as_sanitised_markdown_with_their_raw_text(client, campaign, author):
    client.post(f"/authoring/campaigns/{campaign.pk}/warning/")
    conversation = conversation_start(campaign=campaign, author=author)
    turn = turn_begin(conversation=conversation, author=author, text=XSS, request_key=uuid.uuid4()).turn
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.DONE, answer=f"**bold** {XSS}")

    page = client.get(f"/authoring/attack/{campaign.pk}/").content.decode()

    assert XSS not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "<strong>bold</strong>" in page
    assert 'class="untrusted raw" hidden>**bold** &lt;script&gt;' in page
    assert 'id="submit-form"' in page
    assert 'name="author_says_harmful"' in page


def test_a_broken_answer_offers_to_ask_again(client, campaign, author):
    client.post(f"/authoring/campaigns/{campaign.pk}/warning/")
    conversation = conversation_start(campaign=campaign, author=author)
    turn = turn_begin(conversation=conversation, author=author, text="hi", request_key=uuid.uuid4()).turn
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.BROKEN, answer="half")

    page = client.get(f"/authoring/attack/{campaign.pk}/").content.decode()

    assert "This answer broke off before its end. You may ask again." in page
    assert "data-retry" in page
    assert 'id="turn-form" method="post" action="/authoring/stream/conversations/' in page
    assert f'action="/authoring/stream/conversations/{conversation.pk}/turns/" hidden' in page


def test_start_over_opens_a_new_conversation(client, campaign, author):
    client.post(f"/authoring/campaigns/{campaign.pk}/warning/")
    conversation = conversation_start(campaign=campaign, author=author)

    client.post(f"/authoring/attack/conversations/{conversation.pk}/restart/")

    assert (
        Conversation.objects.filter(author=author, status=Conversation.Status.OPEN)
        .exclude(pk=conversation.pk)
        .count()
        == 1
    )


def test_a_closed_campaign_says_so_when_starting(client, campaign, author):
    client.post(f"/authoring/campaigns/{campaign.pk}/warning/")
    AuthoringCampaign.objects.filter(pk=campaign.pk).update(status=AuthoringCampaign.Status.CLOSED)

    page = client.post(f"/authoring/attack/{campaign.pk}/start/", follow=True).content.decode()

    assert "This campaign is not open: nothing can be sent to its models now." in page
    assert not Conversation.objects.exists()


def test_the_page_needs_a_signed_in_person(client, campaign):
    response = client.get(f"/authoring/attack/{campaign.pk}/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_end_of_an_attack_is_submitted_with_the_authors_label_once(client, campaign, author):
    client.post(f"/authoring/campaigns/{campaign.pk}/warning/")
    conversation = conversation_start(campaign=campaign, author=author)
    turn = turn_begin(
        conversation=conversation, author=author, text="how do I…", request_key=uuid.uuid4()
    ).turn
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.DONE, answer="Here is how.")
    form = {
        "submit_key": str(uuid.uuid4()),
        "author_says_harmful": "yes",
        "scenario": str(Scenario.objects.get(slug="crimes").pk),
    }

    page = client.post(f"/authoring/attack/conversations/{conversation.pk}/submit/", form, follow=True)
    again = client.post(f"/authoring/attack/conversations/{conversation.pk}/submit/", form, follow=True)

    assert "Submitted: a reviewer will read it. You can start the next attack." in page.content.decode()
    assert "This form was submitted already" in again.content.decode()
    submission = Submission.objects.get()
    assert (submission.text, submission.final_answer, submission.author_says_harmful) == (
        "how do I…",
        "Here is how.",
        True,
    )
    assert submission.target == conversation.target
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.SUBMITTED


def test_a_submit_without_the_authors_label_is_refused_with_its_reason(client, campaign, author):
    client.post(f"/authoring/campaigns/{campaign.pk}/warning/")
    conversation = conversation_start(campaign=campaign, author=author)
    turn = turn_begin(conversation=conversation, author=author, text="hi", request_key=uuid.uuid4()).turn
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.DONE, answer="hello")

    page = client.post(
        f"/authoring/attack/conversations/{conversation.pk}/submit/",
        {"submit_key": str(uuid.uuid4()), "scenario": str(Scenario.objects.get(slug="crimes").pk)},
        follow=True,
    )

    assert "Say whether the model&#x27;s last answer is harmful." in page.content.decode()
    assert not Submission.objects.exists()


def test_only_people_who_may_write_in_the_campaign_see_or_start_it(client, campaign, make_user):
    expert = make_user(Role.EXPERT, domains=("law",))
    client.force_login(expert)

    assert client.get(f"/authoring/attack/{campaign.pk}/").status_code == 403
    client.post(f"/authoring/attack/{campaign.pk}/start/")
    assert not Conversation.objects.exists()
