"""What quality control lets a judge do next in a campaign: asked by assignment on every pick, so
it reads nothing for a campaign without qualification, and one row for a blocked judge."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from annotation.models import Campaign, Item, ItemPurpose, JudgeStanding, Qualification


@dataclass(frozen=True)
class QualificationGate:
    """qualifying: serve qualification items only. domains: the expert domains the person may
    judge regular items in (None: no restriction from qualification). qualify_domains: domains
    still to be assessed. refusal: why the person may not judge here, if so."""

    qualifying: bool = False
    domains: list[int] | None = None
    qualify_domains: list[int] = field(default_factory=list)
    refusal: str = ""


def qualification_source(campaign: Campaign) -> Campaign | None:
    """The campaign whose qualification set and outcomes apply (None: no qualification)."""
    if campaign.qualification_from_id is not None:
        return campaign.qualification_from
    return campaign if campaign.qualification_pass_mark is not None else None


def qualification_gate(
    *, user: AbstractBaseUser, campaign: Campaign, expert_domains: list[int]
) -> QualificationGate:
    source = qualification_source(campaign)
    if source is None:
        return QualificationGate()
    outcomes = Qualification.objects.filter(user_id=user.pk, campaign=source)
    own_set = source.pk == campaign.pk
    if campaign.kind == Campaign.Kind.SAFETY:
        outcome = outcomes.filter(domain__isnull=True).first()
        if outcome is not None:
            if outcome.passed:
                return QualificationGate()
            return QualificationGate(
                refusal=_("You did not pass the qualification (%(correct)s of %(total)s right).")
                % {"correct": outcome.correct, "total": outcome.total}
            )
        if not own_set:
            return QualificationGate(
                refusal=_("Pass the qualification of the campaign “%(name)s” first.") % {"name": source.name}
            )
        has_set = Item.objects.filter(campaign=campaign, purpose=ItemPurpose.QUALIFICATION).exists()
        return QualificationGate(qualifying=has_set)
    passed, assessed = set(), set()
    for domain_id, ok in outcomes.filter(domain_id__in=expert_domains).values_list("domain_id", "passed"):
        assessed.add(domain_id)
        if ok:
            passed.add(domain_id)
    pending = [d for d in expert_domains if d not in assessed]
    if own_set and pending:
        with_set = set(
            Item.objects.filter(
                campaign=campaign, purpose=ItemPurpose.QUALIFICATION, domain_id__in=pending
            ).values_list("domain_id", flat=True)
        )
        # A domain without qualification items needs none.
        passed |= {d for d in pending if d not in with_set}
        pending = sorted(with_set)
    else:
        pending = []
    if not passed and not pending:
        return QualificationGate(
            refusal=_("You have not passed the qualification for any domain of this campaign.")
        )
    return QualificationGate(qualifying=bool(pending), domains=sorted(passed), qualify_domains=pending)


def judge_block_reason(*, user: AbstractBaseUser, campaign: Campaign) -> str:
    """Why a judge gets nothing in this campaign (paused or excluded), or ""."""
    standing = JudgeStanding.objects.filter(campaign=campaign, user_id=user.pk).first()
    if standing is None:
        return ""
    if standing.excluded_at is not None:
        return _("A reviewer has excluded you from this campaign.")
    if standing.paused_at is not None:
        return _(
            "You are paused in this campaign: %(failures)s of your judgements failed a quality check "
            "(a check item answered wrongly, or a judgement made faster than %(seconds)s s). "
            "A reviewer can let you resume."
        ) % {"failures": standing.failures, "seconds": campaign.min_seconds}
    return ""
