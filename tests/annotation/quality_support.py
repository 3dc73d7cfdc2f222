from __future__ import annotations

from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.quality import services as quality
from annotation.quality.forms import QualitySettingsForm
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


def settings_post(client, campaign: Campaign, **changes):
    """Post the quality page's rules form as an admin's browser does: every field as shown, with
    ``changes`` typed in (None leaves a field empty)."""
    form = QualitySettingsForm(instance=campaign)
    data = {name: form.initial.get(name) for name in form.fields} | changes
    data = {k: "" if v is None else v for k, v in data.items() if v is not False}
    return client.post(reverse("quality:settings", args=[campaign.pk]), data, follow=True)
