"""Assignment: who judges which item next, with leases, so that no item gets more than N judgements.

Every path that changes an item's counters locks the item row first (assignment with SKIP
LOCKED, submit and reclaim with FOR UPDATE), so they never wait on each other in opposite order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.models import AnnotatorProfile, Campaign, Item, ItemResponse, Judgement, Lease, Skip
from annotation.prepared import PreparedStatement, statements_execute
from config.roles import Role, user_roles
from models_registry.models import Response


class AssignmentRefused(Exception):
    """The person may not judge in this campaign (role, domain or campaign status)."""


def campaign_judge_allowed(*, user: AbstractBaseUser, campaign: Campaign) -> bool:
    roles = user_roles(user)
    if campaign.kind == Campaign.Kind.SAFETY:
        return Role.CROWDWORKER in roles
    return Role.EXPERT in roles


def user_domain_ids(user: AbstractBaseUser) -> list[int]:
    # Asked more than once per request (item checks, assignment): one query per user object.
    cached = getattr(user, "_valuelens_domain_ids", None)
    if cached is None:
        cached = list(
            AnnotatorProfile.domains.through.objects.filter(annotatorprofile__user_id=user.pk).values_list(
                "domain_id", flat=True
            )
        )
        user._valuelens_domain_ids = cached  # type: ignore[attr-defined]
    return list(cached)


def items_open_to(*, user: AbstractBaseUser, campaign: Campaign) -> QuerySet[Item]:
    """Items with a free slot that this person has not judged, skipped or leased."""
    items = Item.objects.filter(campaign=campaign, open_slots__gt=0)
    if campaign.kind == Campaign.Kind.RESPONSIBILITY:
        items = items.filter(domain_id__in=user_domain_ids(user))
    return (
        items.exclude(Exists(Judgement.objects.filter(item=OuterRef("pk"), user=user)))
        .exclude(Exists(Lease.objects.filter(item=OuterRef("pk"), user=user)))
        .exclude(Exists(Skip.objects.filter(item=OuterRef("pk"), user=user)))
    )


def item_judge_allowed(*, user: AbstractBaseUser, item: Item) -> bool:
    if not campaign_judge_allowed(user=user, campaign=item.campaign):
        return False
    if item.campaign.kind == Campaign.Kind.RESPONSIBILITY:
        return item.domain_id in user_domain_ids(user)
    return True


@dataclass(frozen=True)
class Shown:
    """What the judging page shows: the leased item (None when none is left), its responses in
    order, and how many judgements the person has made in the campaign."""

    item: Item | None
    responses: list[Response]
    done: int


def assignment_next_for(*, user: AbstractBaseUser, campaign: Campaign) -> Item | None:
    """Lease the next item for this person, or None when none is left for them.

    Their own lease comes back first (a reload, a second tab); then items that already have
    judgements, so that started items are finished before new ones are opened.
    """
    return assignment_next_shown(user=user, campaign=campaign).item


def assignment_next_shown(*, user: AbstractBaseUser, campaign: Campaign) -> Shown:
    """``assignment_next_for`` with what the page needs beside the item, in as few queries as the
    database allows: on PostgreSQL the lease and the count in one statement, the item with its
    prompt, model, domain and responses in one query."""
    if campaign.status != Campaign.Status.OPEN:
        raise AssignmentRefused(campaign.status_sentence())
    if not campaign_judge_allowed(user=user, campaign=campaign):
        raise AssignmentRefused(_("You may not judge in this campaign."))
    expires = timezone.now() + timedelta(minutes=campaign.lease_minutes)
    if connection.vendor == "postgresql":
        item_id, done = _next_item_id_postgresql(user=user, campaign=campaign, expires=expires)
    else:
        item_id = _next_item_id_orm(user=user, campaign=campaign, expires=expires)
        done = Judgement.objects.filter(campaign=campaign, user=user).count()
    if item_id is None:
        return Shown(item=None, responses=[], done=done)
    links = list(
        ItemResponse.objects.filter(item_id=item_id)
        .select_related("response", "item__prompt", "item__domain", "item__model")
        .order_by("position")
    )
    if not links:  # an item always has its responses; an empty one is still shown, not lost
        return Shown(
            item=Item.objects.select_related("prompt", "domain", "model").get(pk=item_id),
            responses=[],
            done=done,
        )
    return Shown(item=links[0].item, responses=[link.response for link in links], done=done)


def _next_item_id_orm(*, user: AbstractBaseUser, campaign: Campaign, expires: datetime) -> int | None:
    with transaction.atomic():
        # Even an expired lease still holds its slot until reclaimed, so it is safe to renew.
        own = Lease.objects.filter(campaign=campaign, user=user).order_by("created_at").first()
        if own is not None:
            Lease.objects.filter(pk=own.pk).update(expires_at=expires)
            return own.item_id
        item = (
            items_open_to(user=user, campaign=campaign)
            .order_by("-judgement_count", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if item is None:
            return None
        Lease.objects.create(item=item, user=user, campaign=campaign, expires_at=expires)
        Item.objects.filter(pk=item.pk).update(
            lease_count=F("lease_count") + 1, open_slots=F("open_slots") - 1
        )
        return item.pk


_LEASE_NEXT_ITEM_SQL = """
WITH own AS (
    -- Even an expired lease still holds its slot until reclaimed, so it is safe to renew.
    UPDATE annotation_lease SET expires_at = %(expires)s
    WHERE id = (SELECT id FROM annotation_lease WHERE campaign_id = %(campaign)s AND user_id = %(user)s
                ORDER BY created_at LIMIT 1)
    RETURNING item_id
), picked AS (
    SELECT i.id FROM annotation_item i
    WHERE NOT EXISTS (SELECT 1 FROM own)
      AND i.campaign_id = %(campaign)s AND i.open_slots > 0 {domain_filter}
      AND NOT EXISTS (SELECT 1 FROM annotation_judgement j WHERE j.item_id = i.id AND j.user_id = %(user)s)
      AND NOT EXISTS (SELECT 1 FROM annotation_lease l WHERE l.item_id = i.id AND l.user_id = %(user)s)
      AND NOT EXISTS (SELECT 1 FROM annotation_skip s WHERE s.item_id = i.id AND s.user_id = %(user)s)
    ORDER BY i.judgement_count DESC, i.id
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
), held AS (
    UPDATE annotation_item SET lease_count = lease_count + 1, open_slots = open_slots - 1
    FROM picked WHERE annotation_item.id = picked.id
    RETURNING annotation_item.id
), leased AS (
    INSERT INTO annotation_lease (item_id, user_id, campaign_id, expires_at, created_at)
    SELECT id, %(user)s, %(campaign)s, %(expires)s, now() FROM held
    RETURNING item_id
)
SELECT (SELECT item_id FROM own UNION ALL SELECT item_id FROM leased LIMIT 1),
       (SELECT count(*) FROM annotation_judgement WHERE campaign_id = %(campaign)s AND user_id = %(user)s)
"""
_LEASE_TYPES = {"campaign": "bigint", "user": "integer", "expires": "timestamptz"}
_LEASE_NEXT_ITEM = PreparedStatement(
    name="valuelens_lease_next", sql=_LEASE_NEXT_ITEM_SQL.format(domain_filter=""), types=_LEASE_TYPES
)
_LEASE_NEXT_ITEM_IN_DOMAINS = PreparedStatement(
    name="valuelens_lease_next_in_domains",
    sql=_LEASE_NEXT_ITEM_SQL.format(domain_filter="AND i.domain_id = ANY(%(domains)s)"),
    types={**_LEASE_TYPES, "domains": "bigint[]"},
)


def _next_item_id_postgresql(
    *, user: AbstractBaseUser, campaign: Campaign, expires: datetime
) -> tuple[int | None, int]:
    """The same rules as the ORM path in one statement (one round trip, atomic on its own): this is
    the hottest query of ValueLens. Returns the item id (None when none is left) and how many
    judgements the person has made in the campaign (the page shows it).

    The person's own lease is renewed if they hold one; otherwise the picked row is locked with
    SKIP LOCKED, its counters bumped and the lease written, so two annotators never take the same
    slot and no slot is held without a lease. The NOT EXISTS on `own` is a one-time filter: the
    item scan does not run when a lease was renewed.
    """
    params: dict[str, object] = {"campaign": campaign.pk, "user": user.pk, "expires": expires}
    statement = _LEASE_NEXT_ITEM
    if campaign.kind == Campaign.Kind.RESPONSIBILITY:
        params["domains"] = user_domain_ids(user)
        statement = _LEASE_NEXT_ITEM_IN_DOMAINS
    with connection.cursor() as cursor:
        # A lease lost in a database crash is harmless: its slot and counters go with it, and a
        # submit without a lease is still taken while the item has a free slot.
        statements_execute(cursor, [(statement, params)], durable=False)
        item_id, done = cursor.fetchone()
    return item_id, done


def lease_renew(*, user: AbstractBaseUser, item: Item) -> bool:
    """Extend a person's lease while their page is open; False when it was reclaimed."""
    expires = timezone.now() + timedelta(minutes=item.campaign.lease_minutes)
    return bool(Lease.objects.filter(item=item, user=user).update(expires_at=expires))


def _lease_release_locked(item: Item, user: AbstractBaseUser) -> bool:
    deleted, _by_kind = Lease.objects.filter(item=item, user=user).delete()
    if deleted:
        Item.objects.filter(pk=item.pk).update(
            lease_count=F("lease_count") - 1, open_slots=F("open_slots") + 1
        )
    return bool(deleted)


def item_skip(*, user: AbstractBaseUser, item: Item) -> None:
    """Give the item back and do not offer it to this person again."""
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        _lease_release_locked(locked, user)
        Skip.objects.get_or_create(item=locked, user=user)


def leases_reclaim_expired(*, batch: int = 1000) -> int:
    """Give the slots of expired leases back to their items (beat runs this every minute)."""
    reclaimed = 0
    now = timezone.now()
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
