"""Reads: a campaign's protocol, its audit log, whether the chain holds, and every model variant
that ever had items in it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from annotation.models import (
    AuditAction,
    AuditEntry,
    Campaign,
    CampaignProtocol,
    CampaignProtocolItems,
    ItemResponse,
)
from annotation.protocol.canonical import entry_hash, sha256_text
from annotation.protocol.services import entry_fields


def campaign_protocol_of(*, campaign: Campaign) -> CampaignProtocol | None:
    """The frozen protocol (None until the campaign first opens). ``canonical`` is the hashed text."""
    return CampaignProtocol.objects.filter(campaign=campaign).first()


def campaign_audit_log(*, campaign: Campaign) -> QuerySet[AuditEntry]:
    """The audit log, oldest first (slice it for a page)."""
    return AuditEntry.objects.filter(campaign=campaign).select_related("actor").order_by("seq")


@dataclass(frozen=True)
class AuditVerdict:
    """Whether a campaign's protocol and audit chain are as written. ``broken_at``: the seq of the
    first entry that does not hold (0: the protocol itself; head + 1: entries cut off the end)."""

    frozen: bool
    intact: bool
    entries: int
    broken_at: int | None = None
    # A code (protocol, missing, link, hash, head); ``reason_text`` says it in the reader's language.
    reason: str = ""

    @property
    def reason_text(self) -> str:
        return str(REASONS.get(self.reason, ""))

    def as_dict(self) -> dict[str, Any]:
        return {
            "frozen": self.frozen,
            "intact": self.intact,
            "entries": self.entries,
            "broken_at": self.broken_at,
            "reason": self.reason,
        }


REASONS = {
    "protocol": _("the protocol's text no longer matches its hash"),
    "missing": _("an entry is missing"),
    "link": _("the entry does not follow the one before it"),
    "hash": _("the entry was changed after it was written"),
    "head": _("entries were removed from the end of the log"),
}


def campaign_audit_verify(*, campaign: Campaign) -> AuditVerdict:
    """Recompute the protocol's hash and every entry's, in order; the first that fails is where the
    chain breaks. Reads the whole log: for pages and bundles, not for hot paths."""
    protocol = campaign_protocol_of(campaign=campaign)
    if protocol is None:
        return AuditVerdict(frozen=False, intact=True, entries=0)
    if sha256_text(protocol.canonical) != protocol.sha256:
        return AuditVerdict(frozen=True, intact=False, entries=0, broken_at=0, reason="protocol")
    prev, expected, count = protocol.sha256, 1, 0
    for entry in AuditEntry.objects.filter(campaign=campaign).order_by("seq").iterator(chunk_size=1000):
        count += 1
        if entry.seq != expected:
            return AuditVerdict(
                frozen=True, intact=False, entries=count, broken_at=expected, reason="missing"
            )
        if entry.prev_hash != prev:
            return AuditVerdict(frozen=True, intact=False, entries=count, broken_at=entry.seq, reason="link")
        if entry_hash(prev_hash=entry.prev_hash, fields=entry_fields(entry)) != entry.hash:
            return AuditVerdict(frozen=True, intact=False, entries=count, broken_at=entry.seq, reason="hash")
        prev, expected = entry.hash, expected + 1
    if protocol.head_seq != expected - 1 or protocol.head_hash != prev:
        return AuditVerdict(frozen=True, intact=False, entries=count, broken_at=expected, reason="head")
    return AuditVerdict(frozen=True, intact=True, entries=count)


@dataclass
class VariantHistory:
    """A model variant (a model and its generation parameters' hash) that had items in a campaign."""

    model: int
    name: str
    model_id: str
    params_hash: str
    params: dict[str, Any]
    items_ever: int = 0
    items_now: int = 0


def campaign_variants_ever(*, campaign: Campaign) -> list[VariantHistory]:
    """Every variant that ever had items in the campaign: those the protocol froze and those of
    items added later (the audit log), with how many items it ever had and has now. A variant whose
    items were removed stays, with none now."""
    protocol = campaign_protocol_of(campaign=campaign)
    found: dict[tuple[int, str], VariantHistory] = {}

    def add(variants: list[dict[str, Any]]) -> None:
        for v in variants:
            key = (v["model"], v["params_hash"])
            if key not in found:
                found[key] = VariantHistory(
                    model=v["model"],
                    name=v["name"],
                    model_id=v["model_id"],
                    params_hash=v["params_hash"],
                    params=v.get("params") or {},
                )
            found[key].items_ever += v["items"]

    if protocol is not None:
        add(json.loads(protocol.canonical).get("models", []))
        added = AuditEntry.objects.filter(campaign=campaign, action=AuditAction.ITEMS_ADDED)
        for detail in added.order_by("seq").values_list("detail", flat=True):
            add(detail.get("models", []))
    now = (
        ItemResponse.objects.filter(item__campaign=campaign)
        .values(
            "response__model_id",
            "response__model__name",
            "response__model__model_id",
            "response__params_hash",
        )
        .annotate(items=Count("item_id", distinct=True))
    )
    for row in now:
        key = (row["response__model_id"], row["response__params_hash"])
        if key not in found:
            # Items made before any freeze, in a campaign never opened: they count as they are.
            found[key] = VariantHistory(
                model=key[0],
                name=row["response__model__name"],
                model_id=row["response__model__model_id"],
                params_hash=key[1],
                params={},
                items_ever=row["items"],
            )
        found[key].items_now = row["items"]
    return sorted(found.values(), key=lambda v: (v.name, v.params_hash))


def _value_shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field == "status":
        return str(Campaign.Status(value).label).lower()
    return str(value)


# Long texts are in the log whole (the API, the bundle); a page says only that they changed.
_TEXT_FIELDS = {"guidelines", "content_warning_text"}


def _field_label(name: str) -> str:
    """A setting's name as the forms that change it show it, translated."""
    from annotation.forms import CampaignForm
    from annotation.quality.forms import QualitySettingsForm

    if name in QualitySettingsForm.Meta.labels:
        return str(QualitySettingsForm.Meta.labels[name])
    field = CampaignForm.base_fields.get("follow_run" if name == "follows_run" else name)
    return str(field.label) if field is not None else name


def audit_entry_summary(entry: AuditEntry) -> str:
    """One entry's detail in the reader's language (the codes it holds never reach the page)."""
    d = entry.detail or {}
    action = entry.action
    if action == AuditAction.PROTOCOL_FROZEN:
        return str(_("Protocol hash %(hash)s…") % {"hash": str(d.get("sha256", ""))[:16]})
    if action == AuditAction.STATUS_CHANGED:
        return f"{_value_shown('status', d.get('old'))} → {_value_shown('status', d.get('new'))}"
    if action == AuditAction.SETTINGS_CHANGED:
        parts = []
        for name, change in sorted((d.get("changes") or {}).items()):
            label = _field_label(name)
            if name in _TEXT_FIELDS:
                parts.append(str(_("%(field)s: text changed") % {"field": label}))
            else:
                parts.append(
                    f"{label}: {_value_shown(name, change.get('old'))} → {_value_shown(name, change.get('new'))}"
                )
        return "; ".join(parts)
    if action == AuditAction.ITEMS_ADDED:
        return str(_("%(n)s items added") % {"n": d.get("count", 0)})
    if action == AuditAction.CHECK_ITEMS_SET:
        return str(_("%(n)s items changed purpose") % {"n": len(d.get("items") or [])})
    if action == AuditAction.JUDGE_EXCLUDED:
        return str(
            _("Judge #%(judge)s: %(reason)s") % {"judge": d.get("judge"), "reason": d.get("reason", "")}
        )
    if action == AuditAction.JUDGE_READMITTED:
        return str(_("Judge #%(judge)s") % {"judge": d.get("judge")})
    if action == AuditAction.JUDGEMENTS_VOIDED:
        return str(
            _("%(n)s judgements: %(reason)s")
            % {"n": len(d.get("judgements") or []), "reason": d.get("reason", "")}
        )
    if action == AuditAction.ADJUDICATED:
        return str(_("Item #%(item)s") % {"item": d.get("item")})
    if action == AuditAction.ADJUDICATION_REQUESTED:
        return str(_("%(n)s items") % {"n": len(d.get("items") or [])})
    if action == AuditAction.JUDGE_RUN_STARTED:
        models = ", ".join(str(m.get("name", "")) for m in d.get("models") or [])
        return str(_("Run “%(name)s” with %(models)s") % {"name": d.get("name", ""), "models": models})
    if action == AuditAction.JUDGING_CHANGED:
        if d.get("what") == "ppi_judge":
            return _ppi_judge_summary(d.get("settings") or {})
        return str(_("Triage") if d.get("what") == "triage" else _("Suggestions"))
    return ""


def _ppi_judge_summary(settings: dict[str, Any]) -> str:
    run, model = settings.get("ppi_run"), settings.get("ppi_model")
    if not run:
        return str(_("Prediction-powered scores: the newest judge run"))
    if not model:
        return str(_("Prediction-powered scores: the judge run “%(run)s”") % {"run": run.get("name", "")})
    return str(
        _("Prediction-powered scores: the judge run “%(run)s”, judge model %(model)s")
        % {"run": run.get("name", ""), "model": model.get("name", "")}
    )


def campaign_protocol_items(*, campaign: Campaign) -> Iterator[str]:
    """The frozen item list, line by line as hashed (the protocol's ``items.sha256``), streamed."""
    chunks = CampaignProtocolItems.objects.filter(campaign=campaign).order_by("index")
    yield from chunks.values_list("lines", flat=True).iterator(chunk_size=4)


def campaign_protocol_items_verify(*, campaign: Campaign) -> bool:
    """Whether the stored item list still hashes to what the protocol froze. Reads the whole list:
    for bundles and audits, never for a page."""
    protocol = campaign_protocol_of(campaign=campaign)
    if protocol is None:
        return True
    digest = hashlib.sha256()
    for lines in campaign_protocol_items(campaign=campaign):
        digest.update(lines.encode("utf-8"))
    return digest.hexdigest() == json.loads(protocol.canonical)["items"]["sha256"]
