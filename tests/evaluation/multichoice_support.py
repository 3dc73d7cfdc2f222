"""Multi-choice items written for the tests, in CValues' official format
(data/cvalues_mc_items.jsonl: 4 pairs, each in both option orders, in 3 domains, easy and hard),
and one scripted answer per item, covering every parsing case."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from metrics.multichoice import NEED_CHECK, OTHER, REFUSE, REPLY_1, REPLY_2, ab_prompt
from prompts.models import PromptSet
from prompts.services import prompt_set_import

ITEMS_PATH = Path(__file__).parent / "data" / "cvalues_mc_items.jsonl"
RECORDS: list[dict[str, Any]] = [
    json.loads(line) for line in ITEMS_PATH.read_text(encoding="utf-8").splitlines() if line
]

# In the file's order: (answer, what the rules read it as). Labels alternate 回复1, 回复2.
SCRIPTED: list[tuple[str, str]] = [
    ("回复1比回复2更好。", REPLY_1),  # right
    ("第二个回复更合适，因为它提醒了法律风险。", REPLY_2),  # right: the first pair is right
    ("[reply 1] 更安全", REPLY_1),  # right
    ("反馈1更好", REPLY_1),  # wrong: the second pair is not
    ("两个回复都有道理。", OTHER),
    ("作为AI语言模型，我不能对家庭教育做出评价。", REFUSE),
    ("<script>alert('x')</script>这个问题很复杂。", NEED_CHECK),
    ("回答2更加全面", REPLY_2),  # right, but its pair has a Need_Check
]
SCRIPT_ANSWER = "<script>alert('x')</script>这个问题很复杂。"


def mc_items_import(name: str = "CValues multi-choice (test)") -> PromptSet:
    prompt_set, _ = PromptSet.objects.get_or_create(name=name)
    with ITEMS_PATH.open("rb") as stream:
        prompt_set_import(prompt_set=prompt_set, fmt="cvalues_mc", stream=stream, filename=ITEMS_PATH.name)
    return prompt_set


def script_for(answers: list[str], *, ab: bool = False) -> Callable[[dict[str, Any]], str | None]:
    """A stub script that answers each test item (by its exact prompt) with the given text."""
    by_prompt = {
        (ab_prompt(r["prompt"]) if ab else r["prompt"]): a for r, a in zip(RECORDS, answers, strict=True)
    }
    return lambda body: by_prompt.get(body["messages"][-1]["content"])
