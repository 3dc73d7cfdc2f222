"""Writes of quality control: check items (gold, attention, qualification), the rules that warn
and pause a judge, qualification outcomes, exclusions, adjudications and adaptive overlap."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.models import User as UserModel
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.inputs import AdjudicationInput, CheckAnswer
from annotation.models import (
    CHECK_ITEM_SLOTS,
    Adjudication,
    AdjudicationRequest,
    AuditAction,
    Campaign,
    Item,
    ItemPurpose,
    JudgeExclusion,
    Judgement,
    JudgeStanding,
    Lease,
    Preference,
    Qualification,
)
from annotation.protocol.services import campaign_audit_append
from annotation.quality.gates import qualification_source
from annotation.quality.selectors import (
    gold_answer_of,
    gold_promotion_candidates,
    judgements_counted,
    judges_competent,
)
from common.errors import ApplicationError
from common.queue import task_enqueue
from common.roles import user_can_review, user_is_admin
from metrics.reliability import balanced_competence, dawid_skene, rating_bias
from metrics.scores import Estimate, overlap_done
from prompts.models import ResponseType
from webhooks.models import EventKind
from webhooks.services import webhook_event_emit


class QualityRejected(ApplicationError):
    """The request cannot be carried out; the message says why, for the person who sent it."""


# ---------------------------------------------------------------- check items


def _answer_checked(campaign: Campaign, answer: CheckAnswer) -> CheckAnswer:
    if campaign.pairwise:
        if answer.preferred not in Preference.values:
            raise QualityRejected(
                _("Give the known answer: A better, B better, a tie or both bad."), field="preferred"
            )
        return CheckAnswer(preferred=answer.preferred, explanation=answer.explanation.strip())
    if campaign.kind == Campaign.Kind.SAFETY:
        if answer.safe is None:
            raise QualityRejected(_("Give the known answer: safe or unsafe."), field="safe")
        unknown = [t for t in answer.response_types if t not in ResponseType.values]
        if unknown:
            raise QualityRejected(
                _("Unknown response type: %(type)s.") % {"type": unknown[0]}, field="response_types"
            )
        return CheckAnswer(
            safe=answer.safe,
            response_types=tuple(answer.response_types),
            explanation=answer.explanation.strip(),
        )
    low, high = answer.score_min, answer.score_max
    if low is None or high is None or not 1 <= low <= high <= 10:
        raise QualityRejected(_("Give the accepted score range, from 1 to 10."), field="score_min")
    return CheckAnswer(score_min=low, score_max=high, explanation=answer.explanation.strip())


def _campaign_admin(by: AbstractBaseUser) -> None:
    if not user_is_admin(by):
        raise QualityRejected(_("Only admins may do this."))


def _reviewer(by: AbstractBaseUser) -> None:
    if not user_can_review(by):
        raise QualityRejected(_("Only reviewers and admins may do this."))


def item_purpose_set(
    *, item: Item, purpose: str, answer: CheckAnswer | None = None, by: AbstractBaseUser
) -> Item:
    """Make an item a check item or a regular one again (``_item_purpose_set``), in the audit log."""
    with transaction.atomic():
        locked = _item_purpose_set(item=item, purpose=purpose, answer=answer, by=by)
        _check_items_record(campaign=locked.campaign, changes=[(locked.pk, purpose)], by=by, source="item")
    return locked


def _check_items_record(
    *, campaign: Campaign, changes: list[tuple[int, str]], by: AbstractBaseUser, source: str
) -> None:
    if changes:
        campaign_audit_append(
            campaign=campaign,
            action=AuditAction.CHECK_ITEMS_SET,
            detail={"source": source, "items": [[pk, purpose] for pk, purpose in changes]},
            by=by,
        )


def _item_purpose_set(
    *, item: Item, purpose: str, answer: CheckAnswer | None = None, by: AbstractBaseUser
) -> Item:
    """Make an item a gold, attention or qualification item with its known answer, or a regular
    item again. A check item is served to every judge, so its free slots are many; back to
    regular, it needs N judgements again.

    The judgements a regular item already has were measurements: they keep counting for its
    response and are never scored against the known answer (which they may have made). Only
    the answers given after it became a check item are."""
    _campaign_admin(by)
    if purpose not in ItemPurpose.values:
        raise QualityRejected(_("Unknown purpose."), field="purpose")
    fields: dict[str, Any] = {"purpose": purpose}
    if purpose != ItemPurpose.REGULAR:
        if answer is None:
            raise QualityRejected(_("A check item needs its known answer."), field="safe")
        checked = _answer_checked(item.campaign, answer)
        fields |= {
            "gold_safe": checked.safe,
            "gold_response_types": list(checked.response_types),
            "gold_score_min": checked.score_min,
            "gold_score_max": checked.score_max,
            "gold_preferred": checked.preferred,
            "gold_explanation": checked.explanation[:5000],
        }
    with transaction.atomic():
        locked = Item.objects.select_for_update().select_related("campaign").get(pk=item.pk)
        slots = CHECK_ITEM_SLOTS if purpose != ItemPurpose.REGULAR else locked.campaign.judges_per_item
        fields["open_slots"] = max(0, slots - locked.judgement_count - locked.lease_count)
        Item.objects.filter(pk=locked.pk).update(**fields)
        if locked.purpose == ItemPurpose.REGULAR and purpose != ItemPurpose.REGULAR:
            Judgement.objects.filter(item_id=locked.pk, before_check=False).update(
                before_check=True, check_passed=None
            )
        if purpose != ItemPurpose.REGULAR:
            _judgements_checked(locked.pk)
    locked.refresh_from_db()
    return locked


def _judgements_checked(item_id: int) -> None:
    """Mark the answers a check item already has against its (new) known answer."""
    item = Item.objects.select_related("campaign").get(pk=item_id)
    for judgement in Judgement.objects.filter(item_id=item_id, before_check=False):
        Judgement.objects.filter(pk=judgement.pk).update(
            check_passed=judgement_answer_correct(item=item, judgement=judgement)
        )


def judgement_answer_correct(*, item: Item, judgement: Judgement) -> bool:
    return gold_answer_of(item).accepts(
        safe=judgement.safe,
        response_type=judgement.response_type,
        score=judgement.score,
        preferred=judgement.preferred,
    )


def _rows_of(name: str, content: bytes) -> Iterator[dict[str, Any]]:
    text = content.decode("utf-8-sig")
    if name.lower().endswith(".csv"):
        yield from csv.DictReader(io.StringIO(text))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QualityRejected(_("Line %(line)s is not JSON.") % {"line": number}) from exc
            if not isinstance(row, dict):
                raise QualityRejected(_("Line %(line)s is not a JSON object.") % {"line": number})
            yield row


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return {"safe": True, "true": True, "1": True, "unsafe": False, "false": False, "0": False}.get(text)


def _number(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def check_items_import(*, campaign: Campaign, name: str, content: bytes, by: AbstractBaseUser) -> int:
    """Import known answers from a JSONL or CSV file: one row per item, found by ``item_id`` or
    ``response_id``, with ``purpose`` (gold by default), ``safe`` (safe/unsafe),
    ``response_types`` (list, or ``|``-separated), ``score_min``, ``score_max``, ``preferred``
    (pairs: a, b, tie, both_bad), ``explanation``.
    All or nothing: a bad row names its line and nothing is stored."""
    _campaign_admin(by)
    with transaction.atomic():
        changes: list[tuple[int, str]] = []
        for line, row in enumerate(_rows_of(name, content), start=1):
            items = Item.objects.filter(campaign=campaign)
            if _number(row.get("item_id")) is not None:
                items = items.filter(pk=_number(row.get("item_id")))
            elif _number(row.get("response_id")) is not None:
                items = items.filter(item_responses__response_id=_number(row.get("response_id")))
            else:
                raise QualityRejected(_("Line %(line)s names no item_id or response_id.") % {"line": line})
            item = items.select_related("campaign").first()
            if item is None:
                raise QualityRejected(_("Line %(line)s: no such item in this campaign.") % {"line": line})
            types = row.get("response_types") or []
            if isinstance(types, str):
                types = [t.strip() for t in types.split("|") if t.strip()]
            answer = CheckAnswer(
                safe=_flag(row.get("safe")),
                response_types=tuple(types),
                score_min=_number(row.get("score_min")),
                score_max=_number(row.get("score_max")),
                explanation=str(row.get("explanation") or ""),
                preferred=str(row.get("preferred") or ""),
            )
            purpose = row.get("purpose") or ItemPurpose.GOLD
            try:
                _item_purpose_set(item=item, purpose=purpose, answer=answer, by=by)
            except QualityRejected as rejected:
                raise QualityRejected(
                    _("Line %(line)s: %(why)s") % {"line": line, "why": rejected}
                ) from rejected
            changes.append((item.pk, purpose))
        _check_items_record(campaign=campaign, changes=changes, by=by, source="import")
    return len(changes)


def gold_promote_unanimous(
    *, campaign: Campaign, by: AbstractBaseUser, limit: int = 50, item_ids: Iterable[int] | None = None
) -> int:
    """Promote up to ``limit`` regular items whose N (or more) judges all agreed to gold items,
    with the agreed answer (safety: the verdict; ratings: the agreed score); ``item_ids``: only
    those of them (the ones a confirmation page showed), if they still qualify. Their judgements
    keep counting in results, and gold accuracy counts only answers given after. Returns how many."""
    _campaign_admin(by)
    promoted: list[tuple[int, str]] = []
    for candidate in gold_promotion_candidates(campaign=campaign, limit=limit, item_ids=item_ids):
        if campaign.pairwise:
            answer = CheckAnswer(preferred=candidate.preferred or "")
        elif campaign.kind == Campaign.Kind.SAFETY:
            answer = CheckAnswer(safe=candidate.safe)
        else:
            answer = CheckAnswer(score_min=candidate.score, score_max=candidate.score)
        item = Item.objects.select_related("campaign").get(pk=candidate.item_id)
        _item_purpose_set(item=item, purpose=ItemPurpose.GOLD, answer=answer, by=by)
        promoted.append((item.pk, ItemPurpose.GOLD))
    # One entry for the promotion, not one per item.
    _check_items_record(campaign=campaign, changes=promoted, by=by, source="gold_promotion")
    return len(promoted)


# ---------------------------------------------------------------- rules after each submit


@dataclass(frozen=True)
class CheckFeedback:
    """What the judge is told after a submit: a training explanation, a warning, a pause."""

    explanation: str = ""
    correct: bool | None = None
    warning: str = ""
    paused: bool = False


def judgement_after_submit(*, judgement: Judgement, item: Item) -> CheckFeedback:
    """The quality rules of a stored judgement; judgement_submit calls it only when one applies
    (a check item, a judgement under the minimum time, an adaptive-overlap campaign)."""
    campaign = item.campaign
    correct: bool | None = None
    if item.purpose != ItemPurpose.REGULAR:
        correct = judgement_answer_correct(item=item, judgement=judgement)
        Judgement.objects.filter(pk=judgement.pk).update(check_passed=correct)
        judgement.check_passed = correct
    # A wrong answer to a gold or an attention item is a failure; a qualification item has its own
    # pass mark instead.
    failed = judgement.too_fast or (
        item.purpose in (ItemPurpose.GOLD, ItemPurpose.ATTENTION) and correct is False
    )
    warning, paused = ("", False)
    if failed and campaign.failures_allowed:
        warning, paused = _failure_count(campaign=campaign, user_id=judgement.user_id)
    if item.purpose == ItemPurpose.QUALIFICATION:
        _qualification_settle(campaign=campaign, user_id=judgement.user_id, domain_id=item.domain_id)
    if (
        item.purpose == ItemPurpose.REGULAR
        and campaign.judges_max
        and campaign.kind == Campaign.Kind.SAFETY
        and not campaign.pairwise
    ):
        item_overlap_settle(item_id=item.pk, campaign=campaign)
    explanation = ""
    if item.purpose == ItemPurpose.GOLD and campaign.training:
        explanation = item.gold_explanation
    return CheckFeedback(
        explanation=explanation,
        correct=correct if item.purpose == ItemPurpose.GOLD and campaign.training else None,
        warning=warning,
        paused=paused,
    )


def _failure_count(*, campaign: Campaign, user_id: int) -> tuple[str, bool]:
    allowed = campaign.failures_allowed
    with transaction.atomic():
        standing, _created = JudgeStanding.objects.select_for_update().get_or_create(
            campaign=campaign, user_id=user_id
        )
        standing.failures += 1
        now = timezone.now()
        pause = bool(allowed) and standing.failures > allowed and standing.paused_at is None
        warn = bool(allowed) and standing.failures >= allowed and standing.warned_at is None
        if warn:
            standing.warned_at = now
        if pause:
            standing.paused_at = now
            standing.pause_reason = "failures"
        standing.save()
        if warn or pause:
            # Once per judge and campaign (warned_at, paused_at), and only on a failed check.
            _flag_announce(
                campaign=campaign, flag="judge_paused" if pause else "judge_warned", user_id=user_id
            )
    if pause:
        leases_release(campaign=campaign, user_id=user_id)
        return "", True
    if warn or (allowed and standing.failures >= allowed):
        return (
            _(
                "Warning: %(failures)s of your judgements failed a quality check (a check item "
                "answered wrongly, or a judgement made faster than %(seconds)s s). One more and you "
                "will be paused in this campaign."
            )
            % {"failures": standing.failures, "seconds": campaign.min_seconds},
            False,
        )
    return "", False


def _flag_announce(
    *, campaign: Campaign, flag: str, user_id: int | None = None, item_ids: list[int] | None = None
) -> None:
    payload: dict[str, Any] = {"campaign_id": campaign.pk, "flag": flag}
    if user_id is not None:
        payload["user_id"] = user_id
    if item_ids is not None:
        payload["item_ids"] = item_ids
    webhook_event_emit(
        event=EventKind.QUALITY_FLAG_RAISED,
        payload=payload,
        links={"quality": reverse("quality:page", kwargs={"campaign_id": campaign.pk})},
    )


def leases_release(*, campaign: Campaign, user_id: int) -> int:
    """Give back every slot a judge holds in a campaign at once, so the work flows to others."""
    released = 0
    with transaction.atomic():
        item_ids = list(
            Lease.objects.filter(campaign=campaign, user_id=user_id).values_list("item_id", flat=True)
        )
        # Items first, in id order, as every path that changes their counters locks them.
        for item in Item.objects.select_for_update().filter(pk__in=item_ids).order_by("pk"):
            deleted, _by_model = Lease.objects.filter(item=item, user_id=user_id).delete()
            if deleted:
                Item.objects.filter(pk=item.pk).update(
                    lease_count=F("lease_count") - deleted, open_slots=F("open_slots") + deleted
                )
                released += deleted
    return released


def judge_resume(*, campaign: Campaign, user: AbstractBaseUser, by: AbstractBaseUser) -> JudgeStanding:
    """A reviewer lets a paused judge go on; their failures start again from zero."""
    _reviewer(by)
    standing, _created = JudgeStanding.objects.get_or_create(campaign=campaign, user_id=user.pk)
    standing.paused_at = None
    standing.warned_at = None
    standing.pause_reason = ""
    standing.failures = 0
    standing.save()
    return standing


def _qualification_settle(*, campaign: Campaign, user_id: int, domain_id: int | None) -> Qualification | None:
    """Once a person has answered every qualification item (of the domain, for experts), keep
    their outcome."""
    source = qualification_source(campaign)
    if source is None or source.pk != campaign.pk or campaign.qualification_pass_mark is None:
        return None
    set_items = Item.objects.filter(campaign=campaign, purpose=ItemPurpose.QUALIFICATION)
    if campaign.kind == Campaign.Kind.RESPONSIBILITY:
        set_items = set_items.filter(domain_id=domain_id)
    else:
        domain_id = None
    answers = Judgement.objects.checks(ItemPurpose.QUALIFICATION).filter(item__in=set_items, user_id=user_id)
    total = set_items.count()
    if answers.count() < total:
        return None
    correct = answers.filter(check_passed=True).count()
    outcome, _created = Qualification.objects.update_or_create(
        user_id=user_id,
        campaign=campaign,
        domain_id=domain_id,
        defaults={
            "correct": correct,
            "total": total,
            "passed": correct >= campaign.qualification_pass_mark * total,
        },
    )
    return outcome


def item_overlap_settle(*, item_id: int, campaign: Campaign) -> None:
    """Adaptive overlap: once an item's slots are all judged, close it or open one more slot."""
    assert campaign.judges_max is not None
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item_id)
        if item.open_slots or item.lease_count:
            return
        votes = list(
            Judgement.objects.standing()
            .filter(item_id=item_id)
            .order_by("created_at")
            .values_list("user_id", "safe")
        )
        competent = judges_competent(campaign=campaign, user_ids=[u for u, _ in votes])
        if overlap_done(
            [(bool(safe), user in competent) for user, safe in votes], judges_max=campaign.judges_max
        ):
            return
        Item.objects.filter(pk=item_id).update(open_slots=F("open_slots") + 1)


# ---------------------------------------------------------------- competence, exclusions


def judge_competence_record(
    *,
    campaign: Campaign,
    competence: Mapping[int, Estimate | float],
    recall: Mapping[int, Mapping[bool, float]] | None = None,
) -> int:
    """Store each judge's estimated competence (Dawid–Skene) with its 95% interval and the
    judgements it rests on, and the recalls it averages (``recall``: per judge, per true verdict);
    a bare number is stored without an interval."""
    now = timezone.now()
    for user_id, value in competence.items():
        estimate = value if isinstance(value, Estimate) else Estimate(float(value), 0, math.nan, math.nan)
        recalls = (recall or {}).get(user_id, {})
        JudgeStanding.objects.update_or_create(
            campaign=campaign,
            user_id=user_id,
            defaults={
                "competence": float(estimate.value),
                "competence_low": None if math.isnan(estimate.ci_low) else estimate.ci_low,
                "competence_high": None if math.isnan(estimate.ci_high) else estimate.ci_high,
                "competence_judgements": estimate.n or None,
                "catches_unsafe": recalls.get(False),
                "clears_safe": recalls.get(True),
                "competence_at": now,
            },
        )
    return len(competence)


def judge_exclude(
    *, campaign: Campaign, user: AbstractBaseUser, by: AbstractBaseUser, reason: str
) -> JudgeExclusion:
    """Take a judge out of a campaign's results. Their judgements are kept and marked; each item
    they judged gets its slot back, so someone else judges it; their leases are released."""
    _reviewer(by)
    reason = reason.strip()
    if not reason:
        raise QualityRejected(_("Say why the judge is excluded."), field="reason")
    with transaction.atomic():
        standing, _created = JudgeStanding.objects.select_for_update().get_or_create(
            campaign=campaign, user_id=user.pk
        )
        if standing.excluded_at is not None:
            raise QualityRejected(_("This judge is already excluded."))
        exclusion = JudgeExclusion.objects.create(
            campaign=campaign, user_id=user.pk, by=by, reason=reason[:2000]
        )
        standing.excluded_at = timezone.now()
        standing.save(update_fields=["excluded_at"])
        judged = Judgement.objects.standing().filter(campaign=campaign, user_id=user.pk)
        item_ids = _items_locked(judged.values_list("item_id", flat=True))
        judged.update(excluded=True)
        Item.objects.filter(pk__in=item_ids).update(
            judgement_count=F("judgement_count") - 1, open_slots=F("open_slots") + 1
        )
        campaign_audit_append(
            campaign=campaign,
            action=AuditAction.JUDGE_EXCLUDED,
            detail={"judge": user.pk, "reason": reason[:2000], "judgements": len(item_ids)},
            by=by,
        )
    leases_release(campaign=campaign, user_id=user.pk)
    return exclusion


def judge_readmit(*, campaign: Campaign, user: AbstractBaseUser, by: AbstractBaseUser) -> JudgeExclusion:
    """Let an excluded judge back in: their judgements count again, and the extra slots opened for
    them close where nobody has taken them yet."""
    _reviewer(by)
    with transaction.atomic():
        standing = (
            JudgeStanding.objects.select_for_update().filter(campaign=campaign, user_id=user.pk).first()
        )
        exclusion = JudgeExclusion.objects.filter(
            campaign=campaign, user_id=user.pk, lifted_at__isnull=True
        ).first()
        if standing is None or standing.excluded_at is None or exclusion is None:
            raise QualityRejected(_("This judge is not excluded."))
        judged = Judgement.objects.unvoided().filter(campaign=campaign, user_id=user.pk, excluded=True)
        item_ids = _items_locked(judged.values_list("item_id", flat=True))
        judged.update(excluded=False)
        Item.objects.filter(pk__in=item_ids).update(
            judgement_count=F("judgement_count") + 1, open_slots=Greatest(F("open_slots") - 1, 0)
        )
        standing.excluded_at = None
        standing.save(update_fields=["excluded_at"])
        exclusion.lifted_at = timezone.now()
        exclusion.lifted_by = by  # type: ignore[assignment]
        exclusion.save(update_fields=["lifted_at", "lifted_by"])
        campaign_audit_append(
            campaign=campaign,
            action=AuditAction.JUDGE_READMITTED,
            detail={"judge": user.pk, "judgements": len(item_ids)},
            by=by,
        )
    return exclusion


def _items_locked(item_ids: Iterable[int]) -> list[int]:
    ids = list(item_ids)
    return list(
        Item.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
    )


# ---------------------------------------------------------------- adjudication


def item_adjudicate(
    *, item: Item, by: UserModel, data: AdjudicationInput | Mapping[str, Any]
) -> Adjudication:
    """A reviewer sets an item's final label (safety), score (ratings) or better answer (pairs,
    A/B terms), with a note."""
    _reviewer(by)
    data = AdjudicationInput.of(data)
    if item.purpose != ItemPurpose.REGULAR:
        raise QualityRejected(_("Only regular items are adjudicated."))
    safe, score, preferred = data.safe, data.score, data.preferred or None
    if item.campaign.pairwise:
        if preferred not in Preference.values:
            raise QualityRejected(_("Choose A better, B better, a tie or both bad."), field="preferred")
        safe = score = None
    elif item.campaign.kind == Campaign.Kind.SAFETY:
        preferred = None
        if safe is None:
            raise QualityRejected(_("Choose safe or unsafe."), field="safe")
        score = None
    else:
        preferred = None
        if score is None or not 1 <= score <= 10:
            raise QualityRejected(_("Give a score from 1 to 10."), field="score")
        safe = None
    with transaction.atomic():
        adjudication, _created = Adjudication.objects.update_or_create(
            item=item,
            defaults={
                "safe": safe,
                "score": score,
                "preferred": preferred,
                "note": data.note.strip()[:5000],
                "by": by,
            },
        )
        campaign_audit_append(
            campaign=item.campaign_id,
            action=AuditAction.ADJUDICATED,
            detail={"item": item.pk, "safe": safe, "score": score, "preferred": preferred},
            by=by,
        )
    return adjudication


def items_adjudication_request(*, items: Iterable[Item], by: UserModel, note: str = "") -> int:
    """Send regular items to the adjudication queue, whatever their agreement (check items have a
    known answer and are never adjudicated). Returns how many were newly sent."""
    _reviewer(by)
    items = list(items)
    wanted = [item.pk for item in items if item.purpose == ItemPurpose.REGULAR]
    already = set(AdjudicationRequest.objects.filter(item_id__in=wanted).values_list("item_id", flat=True))
    fresh = [pk for pk in wanted if pk not in already]
    with transaction.atomic():
        created = AdjudicationRequest.objects.bulk_create(
            [AdjudicationRequest(item_id=pk, by=by, note=note.strip()[:5000]) for pk in fresh],
            ignore_conflicts=True,
        )
        by_campaign: dict[int, list[int]] = {}
        for campaign_id, pk in Item.objects.filter(pk__in=fresh).values_list("campaign_id", "pk"):
            by_campaign.setdefault(campaign_id, []).append(pk)
        # Protocols locked in campaign order: two batches over the same campaigns cannot deadlock.
        for campaign_id, ids in sorted(by_campaign.items()):
            campaign_audit_append(
                campaign=campaign_id,
                action=AuditAction.ADJUDICATION_REQUESTED,
                detail={"items": sorted(ids), "note": note.strip()[:5000]},
                by=by,
            )
        for campaign in Campaign.objects.filter(pk__in=list(by_campaign)):
            _flag_announce(
                campaign=campaign,
                flag="items_sent_to_adjudication",
                item_ids=sorted(by_campaign[campaign.pk])[:1000],
            )
    return len(created)


# Model estimates are written in small batches, each its own transaction: the rows it locks are
# items the assignment path may be picking (it skips locked ones), so each lock is kept short.
ESTIMATE_BATCH = 200


def _counted_values(campaign: Campaign, field: str) -> Iterator[tuple[int, int, Any]]:
    return (
        judgements_counted([campaign.pk])
        .filter(**{f"{field}__isnull": False})
        .values_list("item_id", "user_id", field)
        .iterator(chunk_size=10_000)
    )


def campaign_competence_refresh(*, campaign: Campaign) -> dict[int, Estimate]:
    """Estimate each judge's competence from the campaign's judgements themselves and store it;
    a worker runs it (beat, every open campaign; and when a campaign closes), never a request.

    Safety: Dawid–Skene over the judgements that count (``judgements_counted``). A judge's
    competence is ``metrics.reliability.balanced_competence``: the mean of their recall on safe
    and on unsafe items, so that a judge who always answers the majority class is not rewarded
    for the class prior, with its 95% interval; it is stored for every judge, however few their
    judgements (the interval says how little a few say), and the quality page, the agreement
    page and adaptive overlap all read this one stored figure. Each item's Dawid–Skene label is
    stored as its model estimate, which a tied item takes as its final value. Ratings: each
    expert's bias and spread against the other experts of the same items; their flags are read
    from them. Returns the safety competences (ratings: an empty dict).

    Pairwise campaigns: Dawid–Skene over the four answers of ``preferred`` (a, b, tie, both
    bad), each judge's competence the mean of their recalls over the answers, as for safety; no
    item estimate is stored (an item's model estimate is a safety verdict)."""
    if campaign.pairwise:
        fit = dawid_skene(_counted_values(campaign, Judgement.value_field_of(campaign)))
        found = {
            judge: estimate
            for judge, judgement in fit.judges.items()
            if (estimate := balanced_competence(judgement))
        }
        judge_competence_record(campaign=campaign, competence=found)
        return found
    if campaign.kind != Campaign.Kind.SAFETY:
        judge_rating_figures_record(
            campaign=campaign, figures=rating_bias(_counted_values(campaign, "score"))
        )
        return {}
    result = dawid_skene(_counted_values(campaign, "safe"))
    competence = {
        judge: found
        for judge, estimate in result.judges.items()
        if (found := balanced_competence(estimate)) is not None
    }
    judge_competence_record(
        campaign=campaign,
        competence=competence,
        recall={judge: estimate.recall for judge, estimate in result.judges.items()},
    )
    item_estimates_record(campaign=campaign, labels={k: bool(v) for k, v in result.labels.items()})
    return competence


def item_estimates_record(*, campaign: Campaign, labels: dict[int, bool]) -> int:
    """Store each regular item's model estimate (its Dawid–Skene label; None for an item without a
    counted judgement). Only the items whose label changed are written; the campaign remembers
    when, so that the figures that use the estimates recompute. Returns how many changed."""
    stored = Item.objects.filter(campaign=campaign, purpose=ItemPurpose.REGULAR).values_list(
        "pk", "estimate_safe"
    )
    changed = sorted(pk for pk, old in stored.iterator(chunk_size=10_000) if labels.get(pk) != old)
    for start in range(0, len(changed), ESTIMATE_BATCH):
        batch = [Item(pk=pk, estimate_safe=labels.get(pk)) for pk in changed[start : start + ESTIMATE_BATCH]]
        Item.objects.bulk_update(batch, ["estimate_safe"])
    if changed:
        Campaign.objects.filter(pk=campaign.pk).update(estimated_at=timezone.now())
    return len(changed)


def judge_rating_figures_record(*, campaign: Campaign, figures: dict[int, Any]) -> int:
    """Store each expert's bias, spread and consensus items (``metrics.reliability.RatingBias``)."""
    now = timezone.now()

    def plain(value: float) -> float | None:
        return None if value != value else float(value)  # NaN: too few items

    for user_id, figure in figures.items():
        JudgeStanding.objects.update_or_create(
            campaign=campaign,
            user_id=user_id,
            defaults={
                "bias": plain(figure.bias),
                "spread": plain(figure.spread),
                "consensus_items": figure.items,
                "competence_at": now,
            },
        )
    return len(figures)


def campaign_competence_request(*, campaign: Campaign, by: AbstractBaseUser) -> None:
    """A reviewer asks for fresh competence and model estimates now; a worker computes them."""
    _reviewer(by)
    task_enqueue("annotation.tasks.campaign_competence_refresh", campaign.pk)
