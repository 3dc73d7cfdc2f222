"""Reads for annotation: campaigns a person can work on, progress for annotators and admins."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from annotation.assignment import campaign_judge_allowed, items_open_to, user_domain_ids
from annotation.models import Campaign, Item, Judgement, Lease
from config.roles import Role, user_can_review, user_roles
from models_registry.models import Response
from prompts.models import MULTI_CHOICE_PROMPT_SOURCE


@dataclass
class AnnotatorCampaign:
    campaign: Campaign
    done: int
    left: int


def campaigns_for_annotator(user: AbstractBaseUser) -> list[AnnotatorCampaign]:
    rows = []
    for campaign in Campaign.objects.filter(status__in=[Campaign.Status.OPEN, Campaign.Status.PAUSED]):
        if not campaign_judge_allowed(user=user, campaign=campaign):
            continue
        done = Judgement.objects.filter(campaign=campaign, user=user).count()
        left = items_open_to(user=user, campaign=campaign).count()
        if done or left:
            rows.append(AnnotatorCampaign(campaign, done, left))
    return rows


def judgements_of(user: AbstractBaseUser, campaign: Campaign) -> QuerySet[Judgement]:
    return (
        Judgement.objects.filter(campaign=campaign, user=user)
        .select_related("item__prompt", "scenario")
        .order_by("-created_at")
    )


@dataclass
class CampaignProgress:
    items: int
    complete: int
    started: int
    untouched: int
    judgements: int
    live_leases: int
    annotators: list[dict[str, object]]

    @property
    def percent(self) -> float:
        return 100.0 * self.complete / self.items if self.items else 0.0


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    n = campaign.judges_per_item
    counts = Item.objects.filter(campaign=campaign).aggregate(
        items=Count("id"),
        complete=Count("id", filter=Q(judgement_count__gte=n)),
        untouched=Count("id", filter=Q(judgement_count=0)),
    )
    annotators = []
    per_user = (
        Judgement.objects.filter(campaign=campaign)
        .values("user_id", "user__username", "user__annotator_profile__pseudonym")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    for row in per_user:
        times = list(
            Judgement.objects.filter(campaign=campaign, user_id=row["user_id"])
            .order_by("-created_at")
            .values_list("time_spent_ms", flat=True)[:500]
        )
        annotators.append(
            {
                "username": row["user__username"],
                "pseudonym": row["user__annotator_profile__pseudonym"],
                "count": row["n"],
                "median_s": statistics.median(times) / 1000 if times else None,
            }
        )
    return CampaignProgress(
        items=counts["items"],
        complete=counts["complete"],
        started=counts["items"] - counts["complete"] - counts["untouched"],
        untouched=counts["untouched"],
        judgements=Judgement.objects.filter(campaign=campaign).count(),
        live_leases=_live_leases(campaign),
        annotators=annotators,
    )


def _live_leases(campaign: Campaign) -> int:
    return Lease.objects.filter(campaign=campaign, expires_at__gt=timezone.now()).count()


# ---------------------------------------------------------------- what the API shows whom
# The same rules as the pages: reviewers and admins read everything; crowdworkers see safety
# campaigns and their items, experts responsibility items of their domains; an annotator sees only
# their own judgements. Drafts are for admins.


def campaigns_visible_to(user: AbstractBaseUser) -> QuerySet[Campaign]:
    if user_can_review(user):
        return Campaign.objects.all()
    roles = user_roles(user)
    kinds = [Campaign.Kind.SAFETY] if Role.CROWDWORKER in roles else []
    if Role.EXPERT in roles:
        kinds.append(Campaign.Kind.RESPONSIBILITY)
    return Campaign.objects.filter(kind__in=kinds).exclude(status=Campaign.Status.DRAFT)


def campaigns_for_review() -> QuerySet[Campaign]:
    """Campaigns with something to review: every one past its draft, newest first."""
    return Campaign.objects.exclude(status=Campaign.Status.DRAFT).order_by("-created_at")


def items_visible_to(user: AbstractBaseUser) -> QuerySet[Item]:
    items = Item.objects.all()
    if user_can_review(user):
        return items
    roles = user_roles(user)
    visible = Q(pk__in=[])
    if Role.CROWDWORKER in roles:
        visible |= Q(campaign__kind=Campaign.Kind.SAFETY)
    if Role.EXPERT in roles:
        visible |= Q(campaign__kind=Campaign.Kind.RESPONSIBILITY, domain_id__in=user_domain_ids(user))
    return items.filter(visible).exclude(campaign__status=Campaign.Status.DRAFT)


def judgements_visible_to(user: AbstractBaseUser) -> QuerySet[Judgement]:
    if user_can_review(user):
        return Judgement.objects.all()
    return Judgement.objects.filter(user=user)


def campaign_source_responses(*, responses: QuerySet[Response], kind: str) -> QuerySet[Response]:
    """The responses a campaign of this kind makes items of: succeeded ones, with a domain for
    responsibility. Answers to multi-choice prompts name a reply; evaluation scores them instead."""
    rows = responses.filter(status=Response.Status.SUCCEEDED).exclude(
        prompt__source=MULTI_CHOICE_PROMPT_SOURCE
    )
    if kind == Campaign.Kind.RESPONSIBILITY:
        rows = rows.filter(prompt__domain__isnull=False)
    return rows


def campaign_item_count(*, responses: QuerySet[Response], kind: str, group_samples: bool) -> int:
    """How many items campaign_create would make of these responses (the preview while creating)."""
    rows = campaign_source_responses(responses=responses, kind=kind)
    if group_samples and kind == Campaign.Kind.RESPONSIBILITY:
        return rows.values("prompt_id", "model_id").distinct().count()
    return rows.count()
