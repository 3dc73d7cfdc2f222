"""Assignment: who judges which item next, with leases, so that no item gets more than N judgements.

Every path that changes an item's counters locks the item row first (assignment with SKIP
LOCKED, submit and reclaim with FOR UPDATE), so they never wait on each other in opposite order.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.assignment_queries import (
    PACE_ITEMS,
    judged_count,
    lease_next_item_orm,
    lease_next_item_postgresql,
    user_domain_ids,
)
from annotation.auth import crowd_scope_of
from annotation.models import Campaign, Item, ItemResponse, Judgement, Judging, Lease, Skip
from annotation.quality.gates import QualificationGate, judge_block_reason, qualification_gate
from common.errors import ApplicationError
from common.roles import Role, user_roles
from prompts.models import Domain

# A lease that ran out this long ago still takes its submit: its slot is kept (the reclaimer waits
# as long), so nobody else can have taken it.
LEASE_GRACE = timedelta(minutes=2)


class AssignmentRefused(ApplicationError):
    """The person may not judge in this campaign (role, domain or campaign status)."""

    status_code = 403


def campaign_judge_allowed(*, user: AbstractBaseUser, campaign: Campaign) -> bool:
    roles = user_roles(user)
    scope = crowd_scope_of(user) if Role.CROWDWORKER in roles else None
    if scope is not None and scope.campaign_id != campaign.pk:
        # A platform participant's account judges only the campaign whose link made it.
        return False
    if campaign.kind == Campaign.Kind.SAFETY:
        return Role.CROWDWORKER in roles
    return Role.EXPERT in roles


def item_judge_allowed(*, user: AbstractBaseUser, item: Item) -> bool:
    if not campaign_judge_allowed(user=user, campaign=item.campaign):
        return False
    if item.campaign.kind == Campaign.Kind.RESPONSIBILITY:
        return item.domain_id in user_domain_ids(user)
    return True


# The finish reason of an answer cut off at the token limit (OpenAI-compatible APIs).
FINISH_REASON_LENGTH = "length"


@dataclass(frozen=True)
class ShownResponse:
    pk: int
    text: str
    # Cut off at the model's token limit: the judge is told, since the ending is missing.
    truncated: bool = False


@dataclass(frozen=True)
class ShownItem:
    """What the judging page shows of an item, as plain values: building model instances for
    them cost more than the query on the submit-and-next path."""

    pk: int
    prompt_text: str
    domain: str
    model: str
    # A model's verdict to show pre-filled (never in a blind campaign): safe, response_type,
    # score, source.
    suggestion: dict[str, Any] | None = None
    # A conversation's earlier turns, shown above its last user turn (prompt_text); empty for a
    # single prompt.
    prompt_messages: list[dict[str, str]] = field(default_factory=list)
    # Pairwise: whether the person sees answer A (the first response) on the left; None in other
    # campaigns.
    a_on_left: bool | None = None

    @property
    def pairwise(self) -> bool:
        return self.a_on_left is not None


@dataclass(frozen=True)
class Shown:
    """What the judging page shows: the leased item (None when none is left), its responses in
    order, and how many judgements the person has made in the campaign."""

    item: ShownItem | None
    responses: list[ShownResponse]
    done: int
    # The person's median time per item over their latest judgements here (None: none yet).
    median_ms: int | None = None


def crowd_quota_reached(*, user: AbstractBaseUser, campaign: Campaign) -> bool:
    """A platform participant has judged their quota here (everyone else has none). The page, the
    htmx swaps and the API all lease and submit through this rule."""
    scope = crowd_scope_of(user) if Role.CROWDWORKER in user_roles(user) else None
    return scope is not None and judged_count(user=user, campaign=campaign) >= scope.quota


def crowd_quota_sentence() -> str:
    return _(
        "You have judged your share of this study; nothing more is saved. Your completion code is on the end page."
    )


def judge_median_ms(*, user: AbstractBaseUser, campaign: Campaign) -> int | None:
    """The person's median time per item over their latest judgements here (None: none yet)."""
    times = list(
        Judgement.objects.filter(campaign=campaign, user=user)
        .order_by("-created_at")
        .values_list("time_spent_ms", flat=True)[:PACE_ITEMS]
    )
    return int(statistics.median(times)) if times else None


def assignment_next_for(*, user: AbstractBaseUser, campaign: Campaign) -> Item | None:
    """Lease the next item for this person, or None when none is left for them.

    Their own lease comes back first (a reload, a second tab); then items that already have
    judgements, so that started items are finished before new ones are opened; then the
    campaign's random order.
    """
    shown = assignment_next_shown(user=user, campaign=campaign)
    return Item.objects.get(pk=shown.item.pk) if shown.item else None


def assignment_next_shown(*, user: AbstractBaseUser, campaign: Campaign) -> Shown:
    """``assignment_next_for`` with what the page needs beside the item: on PostgreSQL the lease,
    the count and the item's text in one prepared statement (one round trip)."""
    if campaign.status != Campaign.Status.OPEN:
        raise AssignmentRefused(campaign.status_sentence())
    if not campaign_judge_allowed(user=user, campaign=campaign):
        raise AssignmentRefused(_("You may not judge in this campaign."))
    if crowd_quota_reached(user=user, campaign=campaign):
        raise AssignmentRefused(crowd_quota_sentence())
    expert_domains = user_domain_ids(user) if campaign.kind == Campaign.Kind.RESPONSIBILITY else []
    gate = qualification_gate(user=user, campaign=campaign, expert_domains=expert_domains)
    if gate.refusal:
        raise AssignmentRefused(gate.refusal)
    domains = expert_domains if gate.domains is None else gate.domains
    expires = timezone.now() + timedelta(minutes=campaign.lease_minutes)
    if connection.vendor == "postgresql":
        shown = _next_shown_postgresql(
            user=user, campaign=campaign, expires=expires, gate=gate, domains=domains
        )
        if shown is None:
            raise AssignmentRefused(judge_block_reason(user=user, campaign=campaign))
        return shown
    block = judge_block_reason(user=user, campaign=campaign)
    if block:
        raise AssignmentRefused(block)
    item_id = lease_next_item_orm(user=user, campaign=campaign, expires=expires, gate=gate, domains=domains)
    done = judged_count(user=user, campaign=campaign)
    if item_id is None:
        return Shown(item=None, responses=[], done=done)
    item, responses = item_shown(item_id=item_id, user=user)
    return Shown(
        item=item, responses=responses, done=done, median_ms=judge_median_ms(user=user, campaign=campaign)
    )


def _domain_label(name_en: str | None, name_zh: str | None) -> str:
    return str(Domain(name_en=name_en, name_zh=name_zh or "")) if name_en else ""


def item_shown(
    *, item_id: int, user: AbstractBaseUser | None = None
) -> tuple[ShownItem, list[ShownResponse]]:
    """An item as the judging page shows it, with its responses in order; a pair item with the
    side the ``user``'s lease (or judgement) stored."""
    prompt_text, messages, name_en, name_zh, model, suggestion, blind, judging = Item.objects.values_list(
        "prompt__text",
        "prompt__messages",
        "domain__name_en",
        "domain__name_zh",
        "model__name",
        "suggestion",
        "campaign__blind",
        "campaign__judging_mode",
    ).get(pk=item_id)
    a_on_left = None
    if judging == Judging.PAIRWISE and user is not None:
        a_on_left = (
            Lease.objects.filter(item_id=item_id, user_id=user.pk).values_list("a_on_left", flat=True).first()
        )
        if a_on_left is None:
            a_on_left = (
                Judgement.objects.filter(item_id=item_id, user_id=user.pk)
                .values_list("a_on_left", flat=True)
                .first()
            )
    responses = [
        ShownResponse(pk=pk, text=text, truncated=finish_reason == FINISH_REASON_LENGTH)
        for pk, text, finish_reason in ItemResponse.objects.filter(item_id=item_id)
        .order_by("position")
        .values_list("response_id", "response__text", "response__finish_reason")
    ]
    item = ShownItem(
        pk=item_id,
        prompt_text=prompt_text,
        domain=_domain_label(name_en, name_zh),
        model=model,
        suggestion=None if blind else suggestion,
        prompt_messages=messages,
        a_on_left=a_on_left,
    )
    return item, responses


def _next_shown_postgresql(
    *,
    user: AbstractBaseUser,
    campaign: Campaign,
    expires: datetime,
    gate: QualificationGate,
    domains: list[int],
) -> Shown | None:
    """The PostgreSQL path: the lease and what the page shows in one round trip. None when the
    person is paused or excluded in the campaign."""
    leased = lease_next_item_postgresql(
        user=user, campaign=campaign, expires=expires, gate=gate, domains=domains
    )
    if leased.blocked:
        return None
    if leased.item is None:
        return Shown(item=None, responses=[], done=leased.done)
    item = ShownItem(
        pk=leased.item.pk,
        prompt_text=leased.item.prompt_text,
        domain=_domain_label(leased.item.domain_en, leased.item.domain_zh),
        model=leased.item.model,
        suggestion=leased.item.suggestion,
        prompt_messages=leased.item.prompt_messages,
        a_on_left=leased.item.a_on_left,
    )
    responses = [
        ShownResponse(pk=pk, text=text, truncated=finish_reason == FINISH_REASON_LENGTH)
        for pk, text, finish_reason in leased.item.responses
    ]
    return Shown(item=item, responses=responses, done=leased.done, median_ms=leased.item.median_ms)


def lease_renew(*, user: AbstractBaseUser, item: Item) -> bool:
    """Extend a person's lease while their page is open; False when it ran out (beyond the grace
    window) or was reclaimed."""
    now = timezone.now()
    expires = now + timedelta(minutes=item.campaign.lease_minutes)
    return bool(
        Lease.objects.filter(item=item, user=user, expires_at__gt=now - LEASE_GRACE).update(
            expires_at=expires
        )
    )


def lease_held(*, user: AbstractBaseUser, item: Item) -> bool:
    """Whether the person holds a lease on the item that a submit would honour."""
    return Lease.objects.filter(item=item, user=user, expires_at__gt=timezone.now() - LEASE_GRACE).exists()


def _lease_release_locked(item: Item, user: AbstractBaseUser) -> bool:
    deleted, _by_kind = Lease.objects.filter(item=item, user=user).delete()
    if deleted:
        Item.objects.filter(pk=item.pk).update(
            lease_count=F("lease_count") - 1, open_slots=F("open_slots") + 1
        )
    return bool(deleted)


def item_skip(*, user: AbstractBaseUser, item: Item, kind: str = Skip.Kind.SKIPPED) -> None:
    """Give the item back and do not offer it to this person again; its slot goes to someone else."""
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        _lease_release_locked(locked, user)
        Skip.objects.get_or_create(item=locked, user=user, defaults={"kind": kind})


def item_opt_out(*, user: AbstractBaseUser, item: Item) -> None:
    """Opt out of one item ("I don't want to read this"): released and never offered to this person
    again, its slot free for someone else, as a skip; but recorded apart, never counted as a skip."""
    item_skip(user=user, item=item, kind=Skip.Kind.OPTED_OUT)


def leases_reclaim_expired(*, batch: int = 1000) -> int:
    """Give the slots of leases that ran out more than the grace window ago back to their items
    (beat runs this every minute)."""
    reclaimed = 0
    now = timezone.now() - LEASE_GRACE
    while True:
        with transaction.atomic():
            item_ids = list(
                Lease.objects.filter(expires_at__lt=now).values_list("item_id", flat=True).distinct()[:batch]
            )
            if not item_ids:
                return reclaimed
            for item in Item.objects.select_for_update().filter(pk__in=item_ids).order_by("pk"):
                expired = Lease.objects.filter(item=item, expires_at__lt=now)
                count, _by_kind = expired.delete()
                if count:
                    Item.objects.filter(pk=item.pk).update(
                        lease_count=F("lease_count") - count, open_slots=F("open_slots") + count
                    )
                    reclaimed += count
