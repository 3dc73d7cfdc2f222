"""Pairwise campaigns judged with known votes, through the judges' own path (lease, then submit in
left/right terms): for the rankings."""

from __future__ import annotations

from collections.abc import Callable

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Lease, Preference
from annotation.pairs import LEFT, RIGHT
from annotation.services import judgement_submit

# decide(item, judge number) -> the preference in A/B terms ("a", "b", "tie", "both_bad").
Decide = Callable[[Item, int], str]


def choice_for(*, preferred: str, a_on_left: bool) -> str:
    """What a judge who sees A on the left (or not) clicks to say ``preferred``."""
    if preferred == Preference.A:
        return LEFT if a_on_left else RIGHT
    if preferred == Preference.B:
        return RIGHT if a_on_left else LEFT
    return preferred


def judge_every_pair(campaign: Campaign, judges: list, decide: Decide) -> int:
    """Each judge takes every item they are served and votes as ``decide`` says; returns the votes."""
    votes = 0
    for number, judge in enumerate(judges):
        while (item := assignment_next_for(user=judge, campaign=campaign)) is not None:
            side = Lease.objects.get(item=item, user=judge).a_on_left
            preferred = decide(item, number)
            data = {"choice": choice_for(preferred=preferred, a_on_left=side)}
            if preferred in (Preference.A, Preference.B):
                data["strength"] = "clearly"
            judgement_submit(user=judge, item=item, data=data)
            votes += 1
    return votes


def better_of(order: list[int]) -> Decide:
    """Votes for whichever model comes first in ``order`` (model ids, best first)."""

    def decide(item: Item, number: int) -> str:
        return Preference.A if order.index(item.model_id) < order.index(item.model_b_id) else Preference.B

    return decide
