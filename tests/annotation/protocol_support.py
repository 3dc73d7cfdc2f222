"""Campaigns opened the way people open them, so that their protocol is frozen."""

from __future__ import annotations

from annotation.models import Campaign
from annotation.services import campaign_status_set

PAIRS = (("prompt one", "answer one"), ("prompt two", "answer two"), ("提示三", "回答三"))


def opened(make_campaign, *pairs: tuple[str, str], by=None, **options) -> Campaign:
    campaign = make_campaign(*(pairs or PAIRS), status=Campaign.Status.DRAFT, **options)
    return campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN, by=by)
