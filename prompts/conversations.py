"""Conversations as prompts: the earlier turns (Prompt.messages) and the last user turn (Prompt.text).

A conversation is a list of OpenAI-style messages. Models answer its last user turn with the same
earlier turns before it; people judge that answer with the turns shown above it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

from common.errors import ApplicationError

ROLES = ("system", "user", "assistant")
# Beyond this many turns a "conversation" is a document pasted as messages, not a chat.
MAX_TURNS = 100


class ConversationRejected(ApplicationError):
    """A list of messages that is not a conversation ValueLens can ask a model; the message says why.

    It also keeps its English message id and params: an import runs on a worker, in no one's
    language, and its line errors are read later in each reader's own (ImportProblem)."""

    def __init__(self, message_id: str, params: dict[str, object] | None = None) -> None:
        super().__init__(gettext(message_id) % params if params else gettext(message_id))
        self.message_id = message_id
        self.params = params or {}


def conversation_split(messages: Any) -> tuple[list[dict[str, str]], str]:
    """Check a whole conversation and split it into its earlier turns and its last user turn.

    A system turn may only come first; each turn has a role of ROLES and non-empty text; the
    conversation ends with a user turn. Extra keys of a message (name, tool calls) are dropped.
    """
    if not isinstance(messages, list) or not messages:
        raise ConversationRejected(gettext_noop("A conversation is a non-empty list of messages."))
    if len(messages) > MAX_TURNS:
        raise ConversationRejected(
            gettext_noop("A conversation has at most %(max)d messages; this one has %(n)d."),
            {"max": MAX_TURNS, "n": len(messages)},
        )
    turns: list[dict[str, str]] = []
    for position, message in enumerate(messages, start=1):
        role = message.get("role") if isinstance(message, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if role not in ROLES:
            raise ConversationRejected(
                gettext_noop("Message %(n)d: the role must be system, user or assistant."), {"n": position}
            )
        if role == "system" and position != 1:
            raise ConversationRejected(
                gettext_noop("Message %(n)d: only the first message may be a system message."),
                {"n": position},
            )
        if not isinstance(content, str) or not content.strip():
            raise ConversationRejected(gettext_noop("Message %(n)d: the text is empty."), {"n": position})
        turns.append({"role": role, "content": content})
    if turns[-1]["role"] != "user":
        raise ConversationRejected(
            gettext_noop("A conversation must end with a user message, which the model answers.")
        )
    return turns[:-1], turns[-1]["content"]
