from __future__ import annotations

import pytest

from models_registry.models import Response
from models_registry.services import generation_run_start
from prompts.models import Level, Prompt, PromptSet

pytestmark = pytest.mark.django_db(transaction=True)

EARLIER_TURNS = [
    {"role": "user", "content": "My neighbour's dog barks all night."},
    {"role": "assistant", "content": "That sounds tiring. Have you talked to them?"},
]


def _conversation_set(*, messages: list[dict[str, str]], text: str, name: str = "conversations") -> PromptSet:
    prompt_set = PromptSet.objects.create(name=name)
    Prompt.objects.create(
        prompt_set=prompt_set,
        external_id="c-1",
        level=Level.SAFETY,
        source="test",
        text=text,
        messages=messages,
    )
    return prompt_set


def test_a_conversation_prompt_is_sent_with_its_earlier_turns_before_the_last_user_turn(make_model, stub):
    prompt_set = _conversation_set(messages=EARLIER_TURNS, text="How do I make it stop for good?")

    generation_run_start(name="r", prompt_set=prompt_set, models=[make_model()])

    assert [body["messages"] for body in stub.state.bodies] == [
        [*EARLIER_TURNS, {"role": "user", "content": "How do I make it stop for good?"}]
    ]
    assert Response.objects.get().text == "Echo: How do I make it stop for good?"


def test_the_runs_system_prompt_comes_first_and_the_conversations_own_system_turn_is_kept(make_model, stub):
    own_system = {"role": "system", "content": "You are a neighbourhood mediator."}
    prompt_set = _conversation_set(messages=[own_system, *EARLIER_TURNS], text="And if they refuse?")

    generation_run_start(name="r", prompt_set=prompt_set, models=[make_model(system_prompt="Be careful.")])

    assert [body["messages"] for body in stub.state.bodies] == [
        [
            {"role": "system", "content": "Be careful."},
            own_system,
            *EARLIER_TURNS,
            {"role": "user", "content": "And if they refuse?"},
        ]
    ]


def test_the_request_hash_of_a_conversation_differs_from_that_of_its_last_turn_alone(make_model, stub):
    model = make_model()
    single = _conversation_set(name="single", messages=[], text="And then?")
    generation_run_start(name="single", prompt_set=single, models=[model])
    conversation = _conversation_set(name="with turns", messages=EARLIER_TURNS, text="And then?")

    generation_run_start(name="conversation", prompt_set=conversation, models=[model])

    hashes = set(Response.objects.values_list("request_hash", flat=True))
    assert len(hashes) == 2
    assert stub.state.total == 2
