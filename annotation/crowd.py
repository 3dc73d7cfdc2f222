"""Crowd platforms: a campaign entered from Prolific or an MTurk-style link, one passwordless
account per submission (participant id and session id), a quota per submission, a completion
code or redirect once the work is done, and the admin's report of what each did and what to pay."""

from __future__ import annotations

import math
import re
import secrets
import statistics
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import Group
from django.contrib.auth.models import User as UserModel
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.models import Campaign, CrowdLink, CrowdParticipant, Judgement
from annotation.quality.selectors import gold_accuracy
from annotation.selectors import items_left_for
from annotation.services import CampaignRejected
from authoring.models import AuthoringCampaign
from authoring.selectors import author_progress, pay_report
from authoring.services import author_scope_create
from common.errors import ApplicationError
from common.roles import Role
from people.services import annotator_profile_get_or_create

# Platform ids are short ASCII tokens (Prolific: 24 hex characters; MTurk: A1B2C3...); anything
# else in the URL is refused rather than stored in a username.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The URL parameters each platform fills in: participant, study, session.
PLATFORM_PARAMETERS: dict[str, tuple[str, str, str]] = {
    CrowdLink.Platform.PROLIFIC: ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"),
    CrowdLink.Platform.MTURK: ("workerId", "hitId", "assignmentId"),
}
# In the browser session of people who came in through crowd links: the link's target_key (the
# campaign id; "authoring:<id>" for an authoring campaign) -> the account of the submission entered there. One browser may carry several submissions (a participant in two
# studies); the page of each campaign signs its own account in again.
CROWD_SESSION_KEY = "valuelens_crowd_submissions"
# MTurk shows a HIT before it is accepted with this placeholder assignment id.
MTURK_PREVIEW = "ASSIGNMENT_ID_NOT_AVAILABLE"


class CrowdEntryRefused(ApplicationError):
    """The link cannot be entered; the message says why, for the participant."""


@dataclass(frozen=True)
class CrowdIds:
    participant_id: str
    study_id: str
    session_id: str


def crowd_link_create(
    *,
    campaign: Campaign | None = None,
    authoring_campaign: AuthoringCampaign | None = None,
    platform: str,
    quota_per_person: int,
    completion_code: str = "",
    completion_url: str = "",
    hourly_rate: Decimal = Decimal("0"),
    currency: str | None = None,
) -> CrowdLink:
    """A link into a judging campaign (paid by the hour of judging) or into an authoring campaign
    (paid per accepted prompt, at the campaign's rate and in its currency)."""
    if (campaign is None) == (authoring_campaign is None):
        raise CampaignRejected(_("A crowd link enters one campaign: one to judge in or one to write for."))
    if campaign is not None and campaign.kind != Campaign.Kind.SAFETY:
        # Responsibility needs experts qualified per domain, which a platform cannot vouch for.
        raise CampaignRejected(_("Crowd platforms can enter safety campaigns only."))
    if authoring_campaign is not None:
        if currency and currency != authoring_campaign.currency:
            raise CampaignRejected(
                _(
                    "This campaign pays per accepted prompt in %(currency)s: the link's currency must be the same."
                )
                % {"currency": authoring_campaign.currency}
            )
        currency = authoring_campaign.currency
    link = CrowdLink(
        campaign=campaign,
        authoring_campaign=authoring_campaign,
        platform=platform,
        token=secrets.token_urlsafe(24),
        quota_per_person=quota_per_person,
        completion_code=completion_code,
        completion_url=completion_url,
        hourly_rate=hourly_rate,
        currency=currency or "GBP",
    )
    link.full_clean()
    link.save()
    return link


def crowd_ids_from(*, link: CrowdLink, query: Mapping[str, str]) -> CrowdIds:
    """The participant, study and session ids the platform put in the entry URL."""
    participant_key, study_key, session_key = PLATFORM_PARAMETERS[link.platform]
    ids = CrowdIds(
        participant_id=(query.get(participant_key) or "").strip(),
        study_id=(query.get(study_key) or "").strip(),
        session_id=(query.get(session_key) or "").strip(),
    )
    if link.platform == CrowdLink.Platform.MTURK and ids.session_id == MTURK_PREVIEW:
        raise CrowdEntryRefused(_("Accept the task on the platform first; then this page lets you start."))
    if not _ID.match(ids.participant_id):
        raise CrowdEntryRefused(
            _("This link lacks a valid participant id: open it from the platform's study page.")
        )
    if not _ID.match(ids.session_id):
        # The session id is what tells this submission from anyone who knows the participant id.
        raise CrowdEntryRefused(
            _("This link lacks a valid session id: open it from the platform's study page.")
        )
    if ids.study_id and not _ID.match(ids.study_id):
        raise CrowdEntryRefused(_("This link carries an invalid study id."))
    return ids


def crowd_participant_find(*, link: CrowdLink, ids: CrowdIds) -> CrowdParticipant | None:
    """The submission these ids resume, if it was entered before."""
    return (
        CrowdParticipant.objects.select_related("user", "link")
        .filter(platform=link.platform, participant_id=ids.participant_id, session_id=ids.session_id)
        .first()
    )


def crowd_link_open(link: CrowdLink) -> bool:
    """The link lets participants in: it is active and its campaign takes work now."""
    if not link.is_active:
        return False
    if link.authoring_campaign_id is not None:
        return link.authoring_campaign.status == AuthoringCampaign.Status.OPEN
    return link.campaign.status == Campaign.Status.OPEN


def crowd_participant_enter(*, link: CrowdLink, ids: CrowdIds) -> UserModel:
    """The submission's account, made on its first visit and found again on every later one with
    the same session id: a crowdworker with no usable password who may judge (or write for) this
    campaign only."""
    if not crowd_link_open(link):
        raise CrowdEntryRefused(_("This study is not open right now."))
    try:
        return _participant_enter(link=link, ids=ids)
    except IntegrityError:
        # Two first visits at once (a double click): the other request made the account.
        return _participant_enter(link=link, ids=ids)


def _username(*, link: CrowdLink, ids: CrowdIds) -> str:
    return f"{link.platform}-{ids.participant_id}-{ids.session_id}"


@transaction.atomic
def _participant_enter(*, link: CrowdLink, ids: CrowdIds) -> UserModel:
    participant = (
        CrowdParticipant.objects.select_for_update()
        .select_related("user", "link")
        .filter(platform=link.platform, participant_id=ids.participant_id, session_id=ids.session_id)
        .first()
    )
    if participant is None:
        username = _username(link=link, ids=ids)
        if UserModel.objects.filter(username=username).exists():
            # An account made by hand under this name: never taken over, never changed.
            raise CrowdEntryRefused(
                _("This participant id cannot be used here. Contact the researcher through the platform.")
            )
        user = UserModel(username=username)
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.CROWDWORKER.value))
        annotator_profile_get_or_create(user=user)
        participant = CrowdParticipant.objects.create(
            user=user,
            platform=link.platform,
            participant_id=ids.participant_id,
            session_id=ids.session_id,
            study_id=ids.study_id,
            link=link,
        )
        if link.authoring_campaign_id is not None:
            author_scope_create(
                user=user,
                campaign=link.authoring_campaign,
                quota=link.quota_per_person,
                finish_url=reverse("crowd:authoring_done", args=[link.authoring_campaign_id]),
            )
    elif participant.link.target_key != link.target_key:
        raise CrowdEntryRefused(_("This session belongs to another study: open that study's link."))
    if not participant.user.is_active:
        raise CrowdEntryRefused(_("This study is not open right now."))
    return participant.user


def crowd_participant_for(*, user: object, campaign: Campaign | AuthoringCampaign) -> CrowdParticipant | None:
    """The submission this account is when it came into this campaign through a crowd link."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        CrowdParticipant.objects.select_related("link", "link__authoring_campaign")
        .filter(user=user, **_links_into(campaign))
        .first()
    )


def _links_into(campaign: Campaign | AuthoringCampaign) -> dict[str, object]:
    """The filter on participants that came in through this campaign's links."""
    if isinstance(campaign, AuthoringCampaign):
        return {"link__authoring_campaign": campaign}
    return {"link__campaign": campaign}


def crowd_judged(*, participant: CrowdParticipant) -> int:
    return Judgement.objects.filter(
        user_id=participant.user_id, campaign_id=participant.link.campaign_id
    ).count()


def crowd_quota_reached(*, participant: CrowdParticipant) -> bool:
    return crowd_judged(participant=participant) >= participant.link.quota_per_person


def crowd_part_done(*, participant: CrowdParticipant) -> bool:
    """The participant has earned the end of their part: the quota is judged, or nothing is left
    for them here (every item judged or full, or the campaign no longer open). Entering and
    judging nothing while items wait earns nothing. An author's part: authoring's own rule, the
    same in prompts submitted."""
    if participant.link.authoring_campaign_id is not None:
        return author_progress(user=participant.user, campaign=participant.link.authoring_campaign).part_done
    if crowd_quota_reached(participant=participant):
        return True
    campaign = participant.link.campaign
    if campaign.status != Campaign.Status.OPEN:
        return True
    return items_left_for(user=participant.user, campaign=campaign, cap=1) == 0


def crowd_participant_finish(*, participant: CrowdParticipant) -> None:
    if participant.finished_at is None:
        participant.finished_at = timezone.now()
        participant.save(update_fields=["finished_at"])


@dataclass(frozen=True)
class CrowdWelcome:
    """What a participant reads before starting: how much, how long, at what rate."""

    quota: int
    # From the campaign's judges so far (median seconds per item); None before the first ones.
    minutes_expected: int | None
    hourly_rate: Decimal
    currency: str
    # An authoring campaign's: pay per accepted prompt (it pays nothing by the hour).
    pay_per_accepted: Decimal = Decimal("0")


# Enough recent judgements for a median that a few slow items do not move.
_WELCOME_SAMPLE = 200


def crowd_welcome(*, link: CrowdLink) -> CrowdWelcome:
    if link.authoring_campaign_id is not None:
        return CrowdWelcome(
            quota=min(link.quota_per_person, link.authoring_campaign.quota_per_person),
            minutes_expected=None,
            hourly_rate=Decimal("0"),
            currency=link.currency,
            pay_per_accepted=link.authoring_campaign.pay_per_accepted,
        )
    times = list(
        Judgement.objects.filter(campaign_id=link.campaign_id)
        .order_by("-created_at")
        .values_list("time_spent_ms", flat=True)[:_WELCOME_SAMPLE]
    )
    minutes = None
    if times:
        minutes = max(1, math.ceil(link.quota_per_person * statistics.median(times) / 60_000))
    return CrowdWelcome(
        quota=link.quota_per_person,
        minutes_expected=minutes,
        hourly_rate=link.hourly_rate,
        currency=link.currency,
    )


# Who each row is, and when they worked: the same in both reports.
_WHO = ["platform", "participant_id", "study_id", "session_id", "pseudonym"]
_WHEN = ["started_at", "finished_at"]
REPORT_COLUMNS = [
    *_WHO,
    "items",
    "active_minutes",
    "gold_accuracy",
    "suggested_pay",
    "currency",
    "hourly_rate",
    *_WHEN,
]
AUTHORING_REPORT_COLUMNS = [
    *_WHO,
    "accepted",
    "rejected",
    "pending",
    "pay_per_accepted",
    "pay",
    "currency",
    *_WHEN,
]


def _participants(campaign: Campaign | AuthoringCampaign) -> Iterator[CrowdParticipant]:
    return (
        CrowdParticipant.objects.filter(**_links_into(campaign))
        .select_related("link", "user__annotator_profile")
        .order_by("created_at", "pk")
        .iterator()
    )


def _who(participant: CrowdParticipant) -> dict[str, object]:
    return {
        "platform": participant.platform,
        "participant_id": participant.participant_id,
        "study_id": participant.study_id,
        "session_id": participant.session_id,
        "pseudonym": participant.user.annotator_profile.pseudonym,
    }


def _when(participant: CrowdParticipant) -> dict[str, object]:
    return {
        "started_at": participant.created_at.isoformat(),
        "finished_at": participant.finished_at.isoformat() if participant.finished_at else "",
    }


def crowd_report_rows(
    *, campaign: Campaign, hourly_rate: Decimal | None = None
) -> Iterator[dict[str, object]]:
    """One row per platform participant of the campaign: items judged, active time (the time spent
    on each item, as the workspace measured it), gold accuracy, and suggested pay at the given
    hourly rate (default: each link's own rate)."""
    work = {
        row["user_id"]: row
        for row in Judgement.objects.filter(
            campaign=campaign, user__crowd_participant__link__campaign=campaign
        )
        .values("user_id")
        .annotate(items=Count("pk"), active_ms=Sum("time_spent_ms"))
    }
    # Quality control's own figure: the share of the campaign's gold items each judge answered as
    # known (judges with no gold answer are absent), read once for every row.
    gold_by_user = gold_accuracy(campaign_ids=[campaign.pk], kind=campaign.kind)
    for participant in _participants(campaign):
        done = work.get(participant.user_id, {"items": 0, "active_ms": 0})
        rate = participant.link.hourly_rate if hourly_rate is None else hourly_rate
        active_ms = done["active_ms"] or 0
        pay = (Decimal(active_ms) / Decimal(3_600_000) * rate).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        gold = gold_by_user.get(participant.user_id)
        yield {
            **_who(participant),
            "items": done["items"],
            "active_minutes": f"{active_ms / 60_000:.1f}",
            "gold_accuracy": "" if gold is None else f"{gold.value:.3f}",
            "suggested_pay": f"{pay}",
            "currency": participant.link.currency,
            "hourly_rate": f"{rate}",
            **_when(participant),
        }


def crowd_authoring_report_rows(*, campaign: AuthoringCampaign) -> Iterator[dict[str, object]]:
    """One row per platform participant of an authoring campaign: their prompts accepted, rejected
    and waiting for review, and their pay, accepted prompts x the campaign's rate (authoring's own
    pay report, which counts every author, by pseudonym only)."""
    pay_by_author = {row.author_id: row for row in pay_report(campaign)}
    for participant in _participants(campaign):
        row = pay_by_author.get(participant.user_id)
        yield {
            **_who(participant),
            "accepted": row.accepted if row else 0,
            "rejected": row.rejected if row else 0,
            "pending": row.pending if row else 0,
            "pay_per_accepted": f"{campaign.pay_per_accepted}",
            "pay": f"{row.pay if row else Decimal('0.00')}",
            "currency": participant.link.currency,
            **_when(participant),
        }
