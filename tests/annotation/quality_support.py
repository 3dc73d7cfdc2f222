from __future__ import annotations

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.quality import services as quality
from annotation.services import judgement_submit

PAIRS = tuple((f"prompt {i}", f"response {i}") for i in range(8))


def settings_set(campaign: Campaign, **fields) -> Campaign:
    Campaign.objects.filter(pk=campaign.pk).update(**fields)
    campaign.refresh_from_db()
    return campaign


def judge_next(user, campaign: Campaign, safe: bool = True) -> Judgement | None:
    """Take the next item, as the judging page does, and judge it."""
    item = assignment_next_for(user=user, campaign=campaign)
    if item is None:
        return None
    judgement, _ = judgement_submit(user=user, item=item, data={"safe": safe})
    return judgement


def mark(item: Item, purpose: str, by, safe: bool = True, explanation: str = "") -> Item:
    return quality.item_purpose_set(
        item=item, purpose=purpose, answer=quality.CheckAnswer(safe=safe, explanation=explanation), by=by
    )
