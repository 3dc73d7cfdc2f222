"""The bundle's protocol part: each campaign's frozen protocol (the canonical text, exactly as
hashed, so ``sha256sum`` reproduces its hash), its hash-chained audit log and the chain check
ValueLens made when it built the bundle.

Each audit line is exactly what its hash sealed (``entry_fields``) plus ``prev_hash`` and ``hash``,
so a reader recomputes the whole chain from the bundle alone. Staff appear only as ``actor_key``,
the keyed pseudonym that was sealed (HMAC-SHA256 of the username under a key that stays in
ValueLens): usernames never leave ValueLens, and a guessed one cannot be tested against the log."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from annotation.models import AuditEntry, Campaign
from annotation.protocol.selectors import campaign_audit_log, campaign_audit_verify, campaign_protocol_of
from annotation.protocol.services import entry_fields


def protocol_files(campaigns: list[Campaign]) -> dict[str, str]:
    """protocol/campaign-<id>/{protocol.json, protocol.sha256, audit_log.jsonl, verification.json}
    for each campaign whose protocol is frozen; protocol/README.txt lists the campaigns not frozen."""
    files: dict[str, str] = {}
    unfrozen = []
    for campaign in campaigns:
        protocol = campaign_protocol_of(campaign=campaign)
        if protocol is None:
            unfrozen.append(campaign)
            continue
        folder = f"protocol/campaign-{campaign.pk}"
        files[f"{folder}/protocol.json"] = protocol.canonical
        files[f"{folder}/protocol.sha256"] = f"{protocol.sha256}  protocol.json\n"
        files[f"{folder}/audit_log.jsonl"] = "".join(
            json.dumps(_entry(entry), ensure_ascii=False, sort_keys=True) + "\n"
            for entry in campaign_audit_log(campaign=campaign).iterator(chunk_size=1000)
        )
        verdict = campaign_audit_verify(campaign=campaign)
        files[f"{folder}/verification.json"] = json.dumps(
            {
                "campaign": campaign.pk,
                "protocol_sha256": protocol.sha256,
                "frozen_at": protocol.frozen_at.astimezone(dt.UTC).isoformat(),
                "entries": verdict.entries,
                "chain_intact": verdict.intact,
                "broken_at": verdict.broken_at,
                "reason": verdict.reason,
            },
            indent=2,
            sort_keys=True,
        )
    if unfrozen:
        files["protocol/README.txt"] = "".join(
            f"Campaign {c.pk} ({c.name}) has no frozen protocol: it never opened.\n" for c in unfrozen
        )
    return files


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {**entry_fields(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}
