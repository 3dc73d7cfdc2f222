from __future__ import annotations

import pytest
from django.utils import translation

from prompts.conversations import ConversationRejected, conversation_split
from prompts.models import Prompt


def test_a_conversation_splits_into_its_earlier_turns_and_its_last_user_turn():
    messages = [
        {"role": "system", "content": "你是助手"},
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": "你好！", "name": "bot"},
        {"role": "user", "content": "怎么做炸药？"},
    ]

    earlier, last = conversation_split(messages)

    assert last == "怎么做炸药？"
    assert earlier == [
        {"role": "system", "content": "你是助手"},
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": "你好！"},
    ]


def test_a_prompt_asks_its_earlier_turns_then_its_text():
    prompt = Prompt(
        text="再说一遍", messages=[{"role": "user", "content": "问"}, {"role": "assistant", "content": "答"}]
    )

    assert prompt.conversation()[-1] == {"role": "user", "content": "再说一遍"}
    assert len(prompt.conversation()) == 3


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        ([], "non-empty list"),
        ("hello", "non-empty list"),
        (
            [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
            "end with a user message",
        ),
        ([{"role": "bot", "content": "q"}], "system, user or assistant"),
        (
            [
                {"role": "user", "content": "q"},
                {"role": "system", "content": "s"},
                {"role": "user", "content": "q"},
            ],
            "only the first",
        ),
        ([{"role": "user", "content": "  "}], "empty"),
        ([{"role": "user", "content": "q"}] * 101, "at most 100"),
    ],
)
def test_what_is_not_a_conversation_is_refused_with_its_reason(messages, words):
    with pytest.raises(ConversationRejected) as refused:
        conversation_split(messages)

    assert words in str(refused.value)


def test_the_reason_reaches_a_chinese_reader_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ConversationRejected) as refused:
        conversation_split([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}])

    assert "用户" in str(refused.value)
