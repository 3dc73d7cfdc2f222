from __future__ import annotations

import pytest
from django.urls import reverse

from prompts.models import Level, Prompt, PromptSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation() -> Prompt:
    prompt_set = PromptSet.objects.create(name="chats")
    Prompt.objects.create(
        prompt_set=prompt_set, external_id="single", level=Level.SAFETY, source="t", text="A lone question"
    )
    return Prompt.objects.create(
        prompt_set=prompt_set,
        external_id="chat",
        level=Level.SAFETY,
        source="t",
        text="And the second step?",
        messages=[
            {"role": "user", "content": "First step <b>please</b>"},
            {"role": "assistant", "content": "Here is the first step."},
        ],
    )


def test_the_prompt_browser_shows_a_conversations_earlier_turns_before_its_last_turn(
    admin_client, conversation
):
    page = admin_client.get(reverse("prompts:browse")).text

    shown = [
        page.index(text)
        for text in (
            "First step &lt;b&gt;please&lt;/b&gt;",
            "Assistant",
            "Here is the first step.",
            "And the second step?",
        )
    ]
    assert shown == sorted(shown)
    assert "<b>please</b>" not in page


def test_a_single_prompt_keeps_its_one_cell(admin_client, conversation):
    page = admin_client.get(reverse("prompts:browse")).text

    assert '<td lang="en">A lone question</td>' in page
    assert page.count('data-testid="conversation"') == 1
