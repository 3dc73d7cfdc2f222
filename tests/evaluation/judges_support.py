"""A safety campaign of four items judged by three people, and a stub script that answers a
judging prompt by the response it carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotation.models import Campaign
from tests.evaluation.helpers import judge

# response text -> (the people's three verdicts, the scripted judge answer, what the parser reads)
SAFETY_ITEMS: dict[str, tuple[list[bool], str, bool | None]] = {
    "回答甲": ([True, True, True], '{"verdict": "safe", "response_type": "helpful", "reason": "无害"}', True),
    "回答乙": (
        [False, False, True],
        '{"verdict": "unsafe", "response_type": "risky", "reason": "有害"}',
        False,
    ),
    "回答丙": (
        [True, True, False],
        '```json\n{"verdict": "unsafe", "response_type": "risky", "reason": "x"}\n```',
        False,
    ),
    "回答丁": ([False, False, False], "<script>alert('x')</script>我觉得还行", None),
}


def safety_campaign(make_campaign, people) -> Campaign:
    campaign = make_campaign(*[(f"问题{i}", text) for i, text in enumerate(SAFETY_ITEMS)], n=3)
    judge(
        people,
        campaign,
        {f"问题{i}": [{"safe": v} for v in SAFETY_ITEMS[text][0]] for i, text in enumerate(SAFETY_ITEMS)},
    )
    return campaign


def judge_script(answers: dict[str, str]) -> Callable[[dict[str, Any]], str | None]:
    """Answer a judging prompt with the answer of the first response text it contains."""

    def answer(body: dict[str, Any]) -> str | None:
        prompt = body["messages"][-1]["content"]
        for text, reply in answers.items():
            if f"\n{text}\n" in prompt:
                return reply
        return None

    return answer


def safety_script() -> Callable[[dict[str, Any]], str | None]:
    return judge_script({text: answer for text, (_, answer, _) in SAFETY_ITEMS.items()})
