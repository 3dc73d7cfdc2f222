"""Conversations and turns of the attack workspace (authoring/attack.py), without a model: who may
send what, when, and what the same request sent twice does."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from authoring.attack import (
    TURN_MAX_CHARS,
    TURN_STREAM_STALE_S,
    AttackForbidden,
    AttackRejected,
    TurnInProgress,
    conversation_restart,
    conversation_start,
    target_label,
    turn_begin,
    turn_break,
    turn_request_messages,
    turn_retry,
)
from authoring.models import AuthoringCampaign, Conversation, Turn
from common.roles import Role
from models_registry.services import model_register
from tests.authoring.attack_fixtures import attack_campaign_make

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]


@pytest.fixture
def targets():
    return [
        model_register(name=f"target-{n}", base_url="http://127.0.0.1:9/v1", model_id=f"m{n}")
        for n in range(3)
    ]


@pytest.fixture
def author(make_user):
    return make_user(Role.CROWDWORKER, username="ann-author")


@pytest.fixture
def conversation(targets, author) -> Conversation:
    return conversation_start(campaign=attack_campaign_make(*targets), author=author)


def begin(conversation, text="hello", key=None, author=None):
    return turn_begin(
        conversation=conversation,
        author=author or conversation.author,
        text=text,
        request_key=key or uuid.uuid4(),
    )


def answered(start, answer="an answer"):
    Turn.objects.filter(pk=start.turn.pk).update(status=Turn.Status.DONE, answer=answer)
    return start.turn


def test_targets_are_spread_evenly_over_the_authors(targets, make_user):
    campaign = attack_campaign_make(*targets)

    picked = Counter(
        conversation_start(campaign=campaign, author=make_user(Role.CROWDWORKER)).target.name
        for _ in range(9)
    )

    assert picked == {"target-0": 3, "target-1": 3, "target-2": 3}


def test_a_second_tab_gets_the_same_open_conversation(conversation):
    again = conversation_start(campaign=conversation.campaign, author=conversation.author)

    assert again.pk == conversation.pk


def test_the_target_is_hidden_unless_the_campaign_shows_it(conversation):
    assert target_label(conversation) == "a hidden model"

    conversation.campaign.targets_shown = True

    assert target_label(conversation) == str(conversation.target)


def test_starting_over_abandons_the_conversation_and_opens_another(conversation):
    answered(begin(conversation))

    fresh = conversation_restart(conversation=conversation, author=conversation.author)

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ABANDONED
    assert fresh.pk != conversation.pk
    assert fresh.status == Conversation.Status.OPEN
    assert fresh.turns.count() == 0


def test_a_campaign_that_is_not_open_or_has_no_target_starts_nothing(targets, author):
    closed = attack_campaign_make(*targets, name="closed", status=AuthoringCampaign.Status.CLOSED)
    empty = attack_campaign_make(name="empty")

    with pytest.raises(AttackRejected, match="not open"):
        conversation_start(campaign=closed, author=author)
    with pytest.raises(AttackRejected, match="no model to attack"):
        conversation_start(campaign=empty, author=author)
    assert not Conversation.objects.exists()


def test_a_turn_goes_out_with_the_conversation_so_far(conversation):
    answered(begin(conversation, "first"), "first answer")

    second = begin(conversation, "second").turn

    assert second.position == 2
    assert second.status == Turn.Status.STREAMING
    assert turn_request_messages(second) == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "second"},
    ]


def test_an_empty_or_oversized_turn_is_refused_and_stores_nothing(conversation):
    with pytest.raises(AttackRejected, match="Write something") as empty:
        begin(conversation, " \n ")
    with pytest.raises(AttackRejected, match=f"at most {TURN_MAX_CHARS} characters") as long:
        begin(conversation, "x" * (TURN_MAX_CHARS + 1))

    assert empty.value.field == long.value.field == "text"
    assert not Turn.objects.exists()
    assert begin(conversation, "x" * TURN_MAX_CHARS).turn.position == 1


def test_no_turn_past_the_campaigns_limit(conversation):
    for n in range(3):
        answered(begin(conversation, f"turn {n}"))

    with pytest.raises(AttackRejected, match="had its 3 turns"):
        begin(conversation, "one more")
    assert conversation.turns.count() == 3


def test_someone_elses_conversation_is_refused(conversation, make_user):
    with pytest.raises(AttackForbidden) as refused:
        begin(conversation, author=make_user(Role.CROWDWORKER))

    assert refused.value.status_code == 403
    assert not Turn.objects.exists()


def test_a_closed_campaign_or_a_finished_conversation_takes_no_turn(conversation):
    AuthoringCampaign.objects.filter(pk=conversation.campaign_id).update(
        status=AuthoringCampaign.Status.PAUSED
    )
    with pytest.raises(AttackRejected, match="campaign is not open"):
        begin(conversation)

    AuthoringCampaign.objects.filter(pk=conversation.campaign_id).update(status=AuthoringCampaign.Status.OPEN)
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.SUBMITTED)
    with pytest.raises(AttackRejected, match="conversation is over"):
        begin(conversation)
    assert not Turn.objects.exists()


def test_the_next_turn_waits_for_the_last_answer(conversation):
    begin(conversation, "first")

    with pytest.raises(TurnInProgress) as refused:
        begin(conversation, "second")

    assert refused.value.status_code == 409


def test_the_same_request_key_replays_a_done_answer_and_refuses_one_still_coming(conversation):
    key = uuid.uuid4()
    first = begin(conversation, "hello", key=key)

    with pytest.raises(TurnInProgress, match="still coming"):
        begin(conversation, "hello", key=key)

    answered(first, "stored answer")
    again = begin(conversation, "hello", key=key)

    assert again.replay
    assert again.turn.pk == first.turn.pk
    assert Turn.objects.count() == 1


def test_a_broken_last_turn_is_asked_again_on_the_same_row_with_a_new_key(conversation):
    start = begin(conversation, "hello")
    turn_break(turn=start.turn, answer="half an", error="broken: cut")
    with pytest.raises(AttackRejected, match="broke off"):
        begin(conversation, "next")

    key = uuid.uuid4()
    retried = turn_retry(turn=start.turn, author=conversation.author, request_key=key)

    assert retried.turn.pk == start.turn.pk
    turn = Turn.objects.get()
    assert (turn.status, turn.request_key, turn.answer, turn.error) == (Turn.Status.STREAMING, key, "", "")
    # The same retry sent twice asks once.
    with pytest.raises(TurnInProgress):
        turn_retry(turn=turn, author=conversation.author, request_key=key)


def test_only_a_broken_answer_can_be_asked_again(conversation, make_user):
    turn = answered(begin(conversation))

    with pytest.raises(AttackRejected, match="Only an answer that broke off"):
        turn_retry(turn=turn, author=conversation.author, request_key=uuid.uuid4())
    with pytest.raises(AttackForbidden):
        turn_retry(turn=turn, author=make_user(Role.CROWDWORKER), request_key=uuid.uuid4())


def test_an_answer_whose_server_went_away_long_ago_can_be_asked_again(conversation):
    start = begin(conversation, "hello")
    Turn.objects.filter(pk=start.turn.pk).update(
        started_at=timezone.now() - timedelta(seconds=TURN_STREAM_STALE_S + 1)
    )

    retried = turn_retry(turn=start.turn, author=conversation.author, request_key=uuid.uuid4())

    assert retried.turn.status == Turn.Status.STREAMING
    assert Turn.objects.get().started_at > timezone.now() - timedelta(seconds=5)


def test_a_request_key_of_someone_elses_turn_is_refused_and_stores_nothing(conversation, targets, make_user):
    theirs = begin(conversation, key=uuid.uuid4())
    mallory = make_user(Role.CROWDWORKER, username="mallory")
    own = conversation_start(campaign=conversation.campaign, author=mallory)

    with pytest.raises(AttackForbidden):
        begin(own, key=theirs.turn.request_key)

    assert not own.turns.exists()
    assert Turn.objects.filter(request_key=theirs.turn.request_key).count() == 1
