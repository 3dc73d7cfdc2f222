"""Writes: freeze a campaign's protocol, append to its audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from annotation.models import AuditAction, AuditEntry, Campaign, CampaignProtocol, CampaignProtocolItems, Item
from annotation.protocol.canonical import canonical_json, entry_hash, sha256_text
from annotation.protocol.sections import field_values, item_records, protocol_payload, variants_of

Actor = AbstractBaseUser | AnonymousUser | None


def _plain(value: Any) -> Any:
    """A value as plain JSON, the form it is hashed and stored in."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """What an entry's hash seals (its hash and the previous one aside)."""
    return {
        "campaign": entry.campaign_id,
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor_key": entry.actor_key,
        "action": entry.action,
        "detail": entry.detail,
    }


def audit_actor_key(username: str) -> str:
    """The pseudonym an entry seals for its actor: HMAC-SHA256 of the username under
    settings.AUDIT_ACTOR_KEY, so a published log names no one and a guessed name cannot be tested
    against it without the key. Empty for the system."""
    if not username:
        return ""
    return hmac.new(settings.AUDIT_ACTOR_KEY.encode(), username.encode(), hashlib.sha256).hexdigest()


def campaign_protocol_freeze(*, campaign: Campaign, by: Actor = None) -> CampaignProtocol:
    """Freeze the campaign's protocol (once: a campaign opened again keeps its first) and start its
    audit log with the freeze. Called inside the transaction that first opens the campaign."""
    existing = CampaignProtocol.objects.filter(campaign=campaign).first()
    if existing is not None:
        return existing
    campaign.refresh_from_db()
    payload = protocol_payload(campaign)
    payload["items"] = _items_freeze(campaign)
    canonical = canonical_json(payload)
    digest = sha256_text(canonical)
    protocol = CampaignProtocol.objects.create(
        campaign=campaign,
        canonical=canonical,
        sha256=digest,
        frozen_at=timezone.now(),
        frozen_by=by if by is not None and by.is_authenticated else None,
        head_seq=0,
        head_hash=digest,
    )
    campaign_audit_append(
        campaign=campaign, action=AuditAction.PROTOCOL_FROZEN, detail={"sha256": digest}, by=by
    )
    return protocol


# Lines per stored chunk of a protocol's item list (about 300 bytes each).
ITEMS_CHUNK = 5000


def _items_freeze(campaign: Campaign) -> dict[str, Any]:
    """Store the item list in chunks, streamed, and return what the protocol says of it: how many
    items, and the SHA-256 of the whole list (the JSON lines, each ending in a newline)."""
    digest, count, index, chunk = hashlib.sha256(), 0, 0, []
    for record in item_records(None, campaign=campaign):
        line = canonical_json(record) + "\n"
        digest.update(line.encode("utf-8"))
        chunk.append(line)
        count += 1
        if len(chunk) == ITEMS_CHUNK:
            CampaignProtocolItems.objects.create(campaign=campaign, index=index, lines="".join(chunk))
            index, chunk = index + 1, []
    if chunk:
        CampaignProtocolItems.objects.create(campaign=campaign, index=index, lines="".join(chunk))
    return {
        "count": count,
        "sha256": digest.hexdigest(),
        "lines": "one canonical JSON object per item, by id",
    }


def campaign_audit_append(
    *, campaign: Campaign | int, action: str, detail: dict[str, Any], by: Actor = None
) -> AuditEntry | None:
    """Append one entry to a frozen campaign's audit log (nothing before the freeze: a draft is
    free to change, and the freeze records what it became). The protocol row is locked for the
    append, so two appends at once queue and the chain stays one line."""
    campaign_id = campaign if isinstance(campaign, int) else campaign.pk
    # Stored as it reads back: the hash must be recomputable from the row.
    detail = json.loads(canonical_json(_plain(detail)))
    with transaction.atomic():
        protocol = CampaignProtocol.objects.select_for_update().filter(campaign_id=campaign_id).first()
        if protocol is None:
            return None
        user = by if by is not None and by.is_authenticated else None
        username = user.get_username() if user is not None else ""
        entry = AuditEntry(
            campaign_id=campaign_id,
            seq=protocol.head_seq + 1,
            at=timezone.now(),
            actor=user,
            actor_name=username,
            actor_key=audit_actor_key(username),
            action=action,
            detail=detail,
            prev_hash=protocol.head_hash,
        )
        entry.hash = entry_hash(prev_hash=entry.prev_hash, fields=entry_fields(entry))
        entry.save()
        CampaignProtocol.objects.filter(pk=protocol.pk).update(head_seq=entry.seq, head_hash=entry.hash)
    return entry


def campaign_settings_save(*, campaign: Campaign, fields: Iterable[str], by: Actor = None) -> list[str]:
    """Save the given fields of a campaign whose new values are set on it already (a validated
    ModelForm's instance), and log which changed, old -> new. The one save of campaign settings
    for the quality page, the API and the Django admin. Returns the names that changed."""
    names = [name for name in fields if name != "status"]
    if not names:
        return []
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        old, new = field_values(locked, names), field_values(campaign, names)
        changed = [name for name in names if old[name] != new[name]]
        if not changed:
            return []
        campaign.save(update_fields=changed)
        campaign_audit_append(
            campaign=campaign,
            action=AuditAction.SETTINGS_CHANGED,
            detail={"changes": {name: {"old": old[name], "new": new[name]} for name in changed}},
            by=by,
        )
    return changed


def campaign_items_added_record(*, campaign: Campaign, after_item_id: int, by: Actor = None) -> None:
    """One entry for a batch of items added to an open campaign (those above ``after_item_id``):
    their ids, the SHA-256 of their texts and their models, as the protocol has them."""
    ids = list(Item.objects.filter(campaign=campaign, pk__gt=after_item_id).values_list("pk", flat=True))
    if not ids or not CampaignProtocol.objects.filter(campaign=campaign).exists():
        return
    campaign_audit_append(
        campaign=campaign,
        action=AuditAction.ITEMS_ADDED,
        detail={
            "count": len(ids),
            "models": variants_of(ids, campaign=campaign),
            "items": list(item_records(ids, campaign=campaign)),
        },
        by=by,
    )
