from __future__ import annotations

from annotation.assignment import assignment_next_for
from annotation.services import judgement_submit


def judge(users, campaign, verdicts_by_prompt: dict[str, list[dict]]) -> None:
    """Each user judges every item once, with the values given for that item's prompt."""
    for index, user in enumerate(users):
        while (item := assignment_next_for(user=user, campaign=campaign)) is not None:
            judgement_submit(user=user, item=item, data=verdicts_by_prompt[item.prompt.text][index])
