"""A pairwise campaign judged by three people, and stub scripts of pairwise judge models that
answer by what they read as answer 1 and answer 2 (texts "answer of m<i> to p<j>", pair_setup's)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from annotation.models import Campaign, Item
from models_registry.models import RegisteredModel
from models_registry.services import model_register
from tests.evaluation.rankings_support import better_of, judge_every_pair

_ANSWER = re.compile(r"\[回答([12])\]\nanswer of m(\d+) to p\d+\n")


def answers_shown(body: dict[str, Any]) -> dict[str, int]:
    """Which model's answer the prompt shows as answer 1 and answer 2: {"1": i, "2": j}."""
    return {slot: int(m) for slot, m in _ANSWER.findall(body["messages"][-1]["content"])}


def verdict(choice: str) -> str:
    return json.dumps({"verdict": choice, "reason": "理由"}, ensure_ascii=False)


def judges_script(behaviours: dict[str, Callable[[dict[str, int]], str]]) -> Callable[[dict[str, Any]], str]:
    """One stub answering for several judge models, told apart by the model id of the request."""

    def answer(body: dict[str, Any]) -> str:
        return behaviours[body["model"]](answers_shown(body))

    return answer


def prefers_lower_index(shown: dict[str, int]) -> str:
    """A consistent judge: the answer of the model with the lower index (m0 best)."""
    return verdict("1" if shown["1"] < shown["2"] else "2")


def always_first(shown: dict[str, int]) -> str:
    """A judge with full position bias."""
    return verdict("1")


def unreadable_when_m0_first(shown: dict[str, int]) -> str:
    return "我觉得回答1更好" if shown["1"] == 0 else prefers_lower_index(shown)


def judge_model(stub, name: str) -> RegisteredModel:
    """A judge model on the stub whose requests carry ``name`` as the model id."""
    return model_register(name=name, base_url=stub.base_url, model_id=name, timeout_s=1, max_retries=2)


def voted_pair_campaign(pair_setup, make_pair_campaign, people) -> tuple[Campaign, list[RegisteredModel]]:
    """Three models, two prompts: six pairs, three people each. Two people vote for the lower
    index (m0 > m1 > m2); the third for the higher one, except on pairs holding m0."""
    setup = pair_setup(models=3, prompts=2)
    campaign = make_pair_campaign(setup, n=3)
    order = [m.pk for m in setup.models]
    upright, reversed_ = better_of(order), better_of(order[::-1])

    def decide(item: Item, number: int) -> str:
        if number < 2 or order[0] in (item.model_id, item.model_b_id):
            return upright(item, number)
        return reversed_(item, number)

    judge_every_pair(campaign, people, decide)
    return campaign, setup.models
