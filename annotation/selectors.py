"""Reads for annotation: campaigns a person can work on, progress for annotators and admins."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Left
from django.utils import timezone

from annotation.assignment import LEASE_GRACE, campaign_judge_allowed
from annotation.assignment_queries import (
    SERVING_ORDER,
    items_open_to,
    items_with_free_slot,
    judged_count,
    user_domain_ids,
)
from annotation.auth import crowd_scope_of
from annotation.models import (
    Campaign,
    ContentWarningSeen,
    Item,
    ItemPurpose,
    ItemResponse,
    Judgement,
    Lease,
    PairPlan,
    Skip,
    item_complete,
)
from annotation.pairs import pairs_planned
from common.roles import Role, user_can_review, user_roles
from models_registry.models import Response

# Counting the items left for a person scans a campaign's open items: in a campaign of millions
# that took seconds on every page load. The count stops here, and the pages say "1000+".
LEFT_COUNT_CAP = 1000


@dataclass
class AnnotatorCampaign:
    campaign: Campaign
    done: int
    left: int

    @property
    def left_many(self) -> bool:
        """The count stopped at the cap: at least that many are left."""
        return self.left >= LEFT_COUNT_CAP


def campaigns_for_annotator(user: AbstractBaseUser) -> list[AnnotatorCampaign]:
    rows = []
    for campaign in Campaign.objects.filter(status__in=[Campaign.Status.OPEN, Campaign.Status.PAUSED]):
        if not campaign_judge_allowed(user=user, campaign=campaign):
            continue
        done = judged_count(user=user, campaign=campaign)
        left = items_left_for(user=user, campaign=campaign, cap=LEFT_COUNT_CAP)
        if done or left:
            rows.append(AnnotatorCampaign(campaign, done, left))
    return rows


def items_left_for(*, user: AbstractBaseUser, campaign: Campaign, cap: int | None = None) -> int:
    """Items this person can still judge: the ones open to them and the ones they hold now (a
    held item is theirs to finish, though no longer open to them). With a cap, counting stops
    there (the result is then at least `cap`)."""
    held = Lease.objects.filter(
        campaign=campaign, user=user, expires_at__gt=timezone.now() - LEASE_GRACE
    ).count()
    open_items = items_open_to(user=user, campaign=campaign)
    if cap is not None:
        # Counting through the person's judgements, leases and skips item by item took 60-140 ms
        # in a campaign of millions (and the planner walked the whole table from its first row).
        # The person is kept off at most as many free items as they judged, hold or skipped here:
        # when at least cap + that many have a free slot, at least cap are left for them, which
        # the free-slot index says without visiting a row.
        theirs = (
            judged_count(user=user, campaign=campaign)
            + Lease.objects.filter(campaign=campaign, user=user).count()
            + Skip.objects.filter(item__campaign=campaign, user=user).count()
        )
        free = items_with_free_slot(user=user, campaign=campaign).order_by(*SERVING_ORDER)
        if free[: cap + theirs].count() >= cap + theirs:
            return cap + held
        open_items = open_items.order_by(*SERVING_ORDER)[:cap]
    return open_items.count() + held


@dataclass(frozen=True)
class WorkspaceProgress:
    """What the judging page says of a person's progress: "12 / 300 · about 20 min left"."""

    done: int
    # The items this person can do here in all (their quota when it is smaller); None: unknown.
    total: int | None
    # From their median time per item; None until they have judged one.
    minutes_left: int | None
    # The number of the item shown, among every item the person met here: the ones they skipped
    # or opted out of count, so that the item after a skip never shows the skipped one's number.
    number: int = 1


# Stands for the total when the count of items left reached LEFT_COUNT_CAP.
MANY_LEFT = -1


def workspace_total(*, user: AbstractBaseUser, campaign: Campaign, done: int) -> int:
    """What the person has done and can still do here: counted when they open the page and kept
    (each judgement moves one item from "left" to "done" and leaves the sum alone). MANY_LEFT
    when the count of items left reached the cap."""
    left = items_left_for(user=user, campaign=campaign, cap=LEFT_COUNT_CAP)
    return done + left if left < LEFT_COUNT_CAP else MANY_LEFT


def items_skipped_by(*, user: AbstractBaseUser, campaign: Campaign) -> int:
    """Items the person skipped or opted out of here (never offered to them again)."""
    return Skip.objects.filter(item__campaign=campaign, user=user).count()


def workspace_progress(
    *,
    done: int,
    total: int,
    median_ms: int | None,
    holding: bool,
    quota: int | None = None,
    skipped: int = 0,
) -> WorkspaceProgress:
    """The person's progress from the kept total (workspace_total) and their median time per item
    (assignment: read with the next item)."""
    # Beyond the cap: no "x / N" (a quota, when set, is then the person's whole share). Otherwise,
    # check items served on top, or items added since the count, never make it read "13 / 12".
    shown_total = None if total == MANY_LEFT else max(int(total), done + int(holding))
    if quota is not None:
        shown_total = quota if shown_total is None else min(shown_total, quota)
    minutes_left = None
    if median_ms is not None and shown_total is not None and shown_total > done:
        minutes_left = math.ceil((shown_total - done) * median_ms / 60_000)
    return WorkspaceProgress(
        done=done, total=shown_total, minutes_left=minutes_left, number=done + skipped + int(holding)
    )


def content_warning_seen(*, user: AbstractBaseUser, campaign: Campaign) -> bool:
    return ContentWarningSeen.objects.filter(campaign=campaign, user=user).exists()


def skips_by_user(*, campaign: Campaign) -> dict[int, dict[str, int]]:
    """Per person, how many items they skipped and how many they opted out of (apart: opting out
    of an item one does not want to read is never counted as a skip)."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Skip.objects.filter(item__campaign=campaign)
        .values("user_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["user_id"], {Skip.Kind.SKIPPED: 0, Skip.Kind.OPTED_OUT: 0})[row["kind"]] = row[
            "n"
        ]
    return counts


# "My judgements" shows the start of each response: enough to recognise it, never a whole page.
RESPONSE_EXCERPT_CHARS = 200


def judgements_of(user: AbstractBaseUser, campaign: Campaign) -> QuerySet[Judgement]:
    """A person's judgements, newest first, each with its item's responses in order; each
    response's text cut in the database (``excerpt``, one character over, so that a page can tell
    that it was cut)."""
    responses = (
        ItemResponse.objects.order_by("position")
        .annotate(excerpt=Left("response__text", RESPONSE_EXCERPT_CHARS + 1))
        .only("item_id", "position", "response_id")
    )
    return (
        Judgement.objects.filter(campaign=campaign, user=user)
        .select_related("item__prompt", "scenario")
        .prefetch_related(Prefetch("item__item_responses", queryset=responses, to_attr="responses_shown"))
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
    # Adaptive overlap: judgements the complete items did not need against a fixed N (net).
    saved_judgements: int = 0
    # Outside the human sample: labelled by a judge model only, never counted in ``items``.
    judge_only: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.complete / self.items if self.items else 0.0


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    n = campaign.judges_per_item
    complete = item_complete(campaign=campaign)
    # With a human sample, the campaign is complete when its sampled items are.
    counts = (
        Item.objects.for_people()
        .filter(campaign=campaign)
        .aggregate(
            items=Count("id"),
            complete=Count("id", filter=complete),
            untouched=Count("id", filter=Q(judgement_count=0)),
            complete_judgements=Sum("judgement_count", filter=complete),
        )
    )
    counts["judge_only"] = Item.objects.filter(
        campaign=campaign, purpose=ItemPurpose.REGULAR, sampled=False
    ).count()
    annotators = []
    skips = skips_by_user(campaign=campaign)
    per_user = (
        Judgement.objects.unvoided()
        .filter(campaign=campaign)
        .values("user_id", "user__username", "user__annotator_profile__pseudonym")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    for row in per_user:
        times = list(
            Judgement.objects.unvoided()
            .filter(campaign=campaign, user_id=row["user_id"])
            .order_by("-created_at")
            .values_list("time_spent_ms", flat=True)[:500]
        )
        annotators.append(
            {
                "username": row["user__username"],
                "pseudonym": row["user__annotator_profile__pseudonym"],
                "count": row["n"],
                "median_s": statistics.median(times) / 1000 if times else None,
                "skipped": skips.get(row["user_id"], {}).get(Skip.Kind.SKIPPED, 0),
                "opted_out": skips.get(row["user_id"], {}).get(Skip.Kind.OPTED_OUT, 0),
            }
        )
    return CampaignProgress(
        items=counts["items"],
        complete=counts["complete"],
        started=counts["items"] - counts["complete"] - counts["untouched"],
        untouched=counts["untouched"],
        judgements=Judgement.objects.unvoided().filter(campaign=campaign).count(),
        live_leases=_live_leases(campaign),
        annotators=annotators,
        saved_judgements=n * counts["complete"] - (counts["complete_judgements"] or 0)
        if campaign.judges_max
        else 0,
        judge_only=counts["judge_only"],
    )


def _live_leases(campaign: Campaign) -> int:
    return Lease.objects.filter(campaign=campaign, expires_at__gt=timezone.now()).count()


# ---------------------------------------------------------------- what the API shows whom
# The same rules as the pages: reviewers and admins read everything. An annotator reads the item
# they hold now and the items of their own judgements, never a campaign's list of items (the
# safety set is not theirs to download); crowdworkers see safety campaigns, experts
# responsibility ones. Drafts are for admins.


def campaigns_visible_to(user: AbstractBaseUser) -> QuerySet[Campaign]:
    if user_can_review(user):
        return Campaign.objects.all()
    roles = user_roles(user)
    kinds = [Campaign.Kind.SAFETY] if Role.CROWDWORKER in roles else []
    if Role.EXPERT in roles:
        kinds.append(Campaign.Kind.RESPONSIBILITY)
    campaigns = Campaign.objects.filter(kind__in=kinds).exclude(status=Campaign.Status.DRAFT)
    scope = crowd_scope_of(user)
    return campaigns.filter(pk=scope.campaign_id) if scope else campaigns


def campaigns_for_review() -> QuerySet[Campaign]:
    """Campaigns with something to review: every one past its draft, newest first."""
    return Campaign.objects.exclude(status=Campaign.Status.DRAFT).order_by("-created_at")


def items_judgeable_by(user: AbstractBaseUser) -> QuerySet[Item]:
    """Items whose campaign and domain the person may judge (which of them they may read is
    ``items_visible_to``). Reviewers read every item, so for them it is every item (the service
    then refuses their judgement with a reason)."""
    if user_can_review(user):
        return Item.objects.all()
    roles = user_roles(user)
    judgeable = Q(pk__in=[])
    if Role.CROWDWORKER in roles:
        judgeable |= Q(campaign__kind=Campaign.Kind.SAFETY)
    if Role.EXPERT in roles:
        judgeable |= Q(campaign__kind=Campaign.Kind.RESPONSIBILITY, domain_id__in=user_domain_ids(user))
    scope = crowd_scope_of(user)
    if scope is not None:
        judgeable &= Q(campaign_id=scope.campaign_id)
    return Item.objects.filter(judgeable).exclude(campaign__status=Campaign.Status.DRAFT)


def items_lists_allowed(user: AbstractBaseUser) -> bool:
    return user_can_review(user)


def items_visible_to(user: AbstractBaseUser) -> QuerySet[Item]:
    if user_can_review(user):
        return Item.objects.all()
    held = Lease.objects.filter(user=user, expires_at__gt=timezone.now() - LEASE_GRACE).values("item_id")
    judged = Judgement.objects.filter(user=user).values("item_id")
    return items_judgeable_by(user).filter(Q(pk__in=held) | Q(pk__in=judged))


def judgements_visible_to(user: AbstractBaseUser) -> QuerySet[Judgement]:
    if user_can_review(user):
        return Judgement.objects.all()
    return Judgement.objects.filter(user=user)


def campaign_source_responses(*, responses: QuerySet[Response], kind: str) -> QuerySet[Response]:
    """The responses a campaign of this kind makes items of: succeeded ones, with a domain for
    responsibility. Answers to the prompts of hidden sets (a multi-choice item's reply, a judge
    model's judgement of an item) are read by evaluation, never judged by people."""
    rows = responses.filter(status=Response.Status.SUCCEEDED).exclude(prompt__prompt_set__hidden=True)
    if kind == Campaign.Kind.RESPONSIBILITY:
        rows = rows.filter(prompt__domain__isnull=False)
    return rows


def campaign_item_count(*, responses: QuerySet[Response], kind: str, group_samples: bool) -> int:
    """How many items campaign_create would make of these responses (the preview while creating)."""
    rows = campaign_source_responses(responses=responses, kind=kind)
    if group_samples and kind == Campaign.Kind.RESPONSIBILITY:
        return rows.values("prompt_id", "model_id").distinct().count()
    return rows.count()


def campaign_pair_count(
    *, responses: QuerySet[Response], kind: str, model_ids: list[int], plan: str, reference_id: int | None
) -> int:
    """How many pair items campaign_create would make (the preview while creating): per planned
    pair of models, the prompts both answered; one count per pair, in the database."""
    rows = campaign_source_responses(responses=responses, kind=kind)
    total = 0
    for low, high in pairs_planned(
        model_ids=model_ids, plan=plan or PairPlan.ALL_PAIRS, reference_id=reference_id
    ):
        both = rows.filter(model_id=low, prompt_id__in=rows.filter(model_id=high).values("prompt_id"))
        total += both.values("prompt_id").distinct().count()
    return total
