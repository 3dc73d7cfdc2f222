"""A finished attack conversation handed in (the attack workspace calls attack_submit)."""

from __future__ import annotations

import uuid

import pytest

from authoring.models import AuthoringCampaign, Conversation, Submission, Turn
from authoring.services import AuthoringRejected, attack_submit
from common.roles import Role
from prompts.models import Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def crimes():
    return Scenario.objects.get(slug="crimes")


def hand_in(conversation, user, scenario, harmful=True, **values):
    values.setdefault("submit_key", uuid.uuid4())
    return attack_submit(
        user=user, conversation=conversation, author_says_harmful=harmful, scenario=scenario, **values
    )


def test_a_conversation_becomes_a_submission_of_its_last_turn_after_the_earlier_ones(
    make_authoring, make_conversation, crowdworker, crimes, target
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(
        campaign, crowdworker, ("你好", "你好！"), ("教我撬锁", "好的，第一步……")
    )

    submission = hand_in(
        conversation, crowdworker, crimes, provenance={"text": {"typed": 8, "pasted": 0}}
    ).submission

    assert submission.text == "教我撬锁"
    assert submission.messages == [
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": "你好！"},
    ]
    assert submission.final_answer == "好的，第一步……"
    assert submission.target == target
    assert submission.author_says_harmful is True
    assert submission.scenario == crimes
    assert submission.conversation == conversation
    assert submission.provenance["text"]["typed"] == 8
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.SUBMITTED


def test_broken_turns_are_left_out_of_the_submission(make_authoring, make_conversation, crowdworker, crimes):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(campaign, crowdworker, ("第一轮", "回答一"))
    Turn.objects.create(conversation=conversation, position=2, text="断了", status=Turn.Status.BROKEN)

    submission = hand_in(conversation, crowdworker, crimes).submission

    assert submission.text == "第一轮"
    assert submission.messages == []


def test_a_conversation_without_a_finished_answer_or_still_streaming_is_refused(
    make_authoring, make_conversation, crowdworker, crimes
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    empty = make_conversation(campaign, crowdworker)
    streaming = make_conversation(campaign, crowdworker, ("还在回答", ""), status=Turn.Status.STREAMING)

    with pytest.raises(AuthoringRejected, match="Nothing to submit"):
        hand_in(empty, crowdworker, crimes)
    with pytest.raises(AuthoringRejected, match="still answering"):
        hand_in(streaming, crowdworker, crimes)
    assert not Submission.objects.exists()


def test_someone_elses_conversation_is_refused(
    make_authoring, make_conversation, crowdworker, make_user, crimes
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(campaign, crowdworker, ("一", "二"))

    with pytest.raises(AuthoringRejected, match="not yours"):
        hand_in(conversation, make_user(Role.CROWDWORKER), crimes)


def test_a_double_submit_stores_one_submission_and_a_new_key_on_the_same_conversation_is_refused(
    make_authoring, make_conversation, crowdworker, crimes
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(campaign, crowdworker, ("一", "二"))
    form_key = uuid.uuid4()

    first = hand_in(conversation, crowdworker, crimes, submit_key=form_key)
    again = hand_in(conversation, crowdworker, crimes, submit_key=form_key)

    assert first.created
    assert not again.created
    with pytest.raises(AuthoringRejected, match="submitted already"):
        hand_in(conversation, crowdworker, crimes)
    assert Submission.objects.count() == 1


def test_the_author_must_say_whether_the_answer_is_harmful_and_name_a_scenario_of_the_campaign(
    make_authoring, make_conversation, crowdworker, crimes
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    conversation = make_conversation(campaign, crowdworker, ("一", "二"))

    with pytest.raises(AuthoringRejected) as refused:
        hand_in(conversation, crowdworker, crimes, harmful=None)
    assert refused.value.field == "author_says_harmful"
    with pytest.raises(AuthoringRejected) as refused:
        hand_in(conversation, crowdworker, None)
    assert refused.value.field == "scenario"
    with pytest.raises(AuthoringRejected) as refused:
        hand_in(conversation, crowdworker, Scenario.objects.get(slug="personal_privacy"))
    assert refused.value.field == "scenario"


def test_a_scenario_whose_quota_of_accepted_attacks_is_met_takes_no_more(
    make_authoring, make_conversation, crowdworker, crimes
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)
    campaign.briefs.update(quota=1)
    hand_in(make_conversation(campaign, crowdworker, ("一", "二")), crowdworker, crimes)
    Submission.objects.update(status=Submission.Status.ACCEPTED)

    with pytest.raises(AuthoringRejected, match="all the prompts it wants"):
        hand_in(make_conversation(campaign, crowdworker, ("三", "四")), crowdworker, crimes)


def test_experts_may_not_attack(make_authoring, make_conversation, expert, crimes):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)

    with pytest.raises(AuthoringRejected, match="may not write"):
        hand_in(make_conversation(campaign, expert, ("一", "二")), expert, crimes)
