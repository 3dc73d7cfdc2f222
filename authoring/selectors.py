"""Reads of prompt authoring: who may write where, an author's campaigns and submissions, the
review queue, the evidence a reviewer reads, the pay report, and the expert-answers campaigns'
prompts to answer and their exports (SFT and DPO rows)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from authoring.models import AuthoringCampaign, AuthoringWarningSeen, AuthorScope, GivenPrompt, Submission
from common.roles import Role, user_roles
from people.models import AnnotatorProfile


class RejectReason(models.TextChoices):
    """The reasons offered to a reviewer; the author reads them in their own language."""

    DUPLICATE = "duplicate", _("It repeats a prompt the set already has.")
    OFF_BRIEF = "off_brief", _("It is not what the campaign asks for.")
    UNCLEAR = "unclear", _("It is unclear or incomplete.")
    NOT_HARMFUL = "not_harmful", _("The answer it drew is not harmful.")
    COPIED = "copied", _("It looks copied rather than written by you.")
    PERSONAL_DATA = "personal_data", _("It contains personal data.")


def compare_text(text: str, messages: list[dict[str, str]]) -> str:
    """What two submissions are compared on: every user turn of a conversation, its last one
    included (two attacks that end on the same "go on" are not the same attack)."""
    turns = [m.get("content", "") for m in messages or [] if m.get("role") == "user"]
    return "\n".join([*turns, text])


_SCOPE_ATTR = "_valuelens_author_scope"


def author_scope_of(user: AbstractBaseUser | AnonymousUser) -> AuthorScope | None:
    """The one campaign a crowd participant's account may write in; None for everyone else.
    Read once per user object: every page and submit asks."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, _SCOPE_ATTR):
        setattr(user, _SCOPE_ATTR, AuthorScope.objects.filter(user_id=user.pk).first())
    return getattr(user, _SCOPE_ATTR)


def campaign_author_allowed(*, user: AbstractBaseUser | AnonymousUser, campaign: AuthoringCampaign) -> bool:
    """Who writes in a campaign. Attacks: crowdworkers. Expert prompts: experts of the campaign's
    domain. Collections (a product team's prompts): anyone an admin gave a role to, which is how a
    person is invited to ValueLens at all; an account without a role sees nothing. Admins may
    write in every campaign, to try it."""
    scope = author_scope_of(user)
    if scope is not None:
        # A crowd platform's participant writes where their link sent them, and nowhere else.
        return scope.campaign_id == campaign.pk
    roles = user_roles(user)
    if not roles:
        return False
    if Role.ADMIN in roles:
        return True
    if campaign.kind == AuthoringCampaign.Kind.ATTACK:
        return Role.CROWDWORKER in roles
    if campaign.kind == AuthoringCampaign.Kind.EXPERT:
        return (
            Role.EXPERT in roles
            and AnnotatorProfile.objects.filter(user=user, domains=campaign.domain_id).exists()
        )
    if campaign.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS:
        return Role.EXPERT in roles and given_prompts_for(user=user, campaign=campaign).exists()
    return True


def given_prompts_for(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> QuerySet[GivenPrompt]:
    """The given prompts of an expert-answers campaign this person may answer: an expert those of
    the domains their profile lists, an admin every one."""
    given = campaign.given_prompts.all()
    if Role.ADMIN in user_roles(user):
        return given
    domains = AnnotatorProfile.objects.filter(user=user).values_list("domains", flat=True)
    return given.filter(domain_id__in=domains)


def next_given_prompt(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> GivenPrompt | None:
    """The next prompt this person has not answered yet (a rejected answer may be written again):
    by domain, the model's lowest-scored first."""
    answered = Submission.objects.filter(given=OuterRef("pk"), author=user).exclude(
        status=Submission.Status.REJECTED
    )
    return (
        given_prompts_for(user=user, campaign=campaign)
        .exclude(Exists(answered))
        .select_related("prompt", "domain")
        .order_by("position")
        .first()
    )


def _accepted_answers(campaign: AuthoringCampaign) -> QuerySet[Submission]:
    return (
        campaign.submissions.filter(status=Submission.Status.ACCEPTED, given__isnull=False)
        .select_related("given__response")
        .order_by("given__position", "id")
    )


def _prompt_messages(submission: Submission) -> list[dict[str, str]]:
    """The prompt as chat messages: a conversation's earlier turns, then its last user turn."""
    earlier = [
        {"role": m.get("role", ""), "content": m.get("content", "")} for m in submission.messages or []
    ]
    return [*earlier, {"role": "user", "content": submission.text}]


def sft_rows(campaign: AuthoringCampaign) -> list[dict[str, Any]]:
    """Supervised fine-tuning pairs from the accepted answers, in OpenAI's chat layout: the
    prompt's messages, then the expert's answer (as the reviewer accepted it) as the assistant's."""
    return [
        {"messages": [*_prompt_messages(s), {"role": "assistant", "content": s.reference_answer}]}
        for s in _accepted_answers(campaign)
    ]


def dpo_rows(campaign: AuthoringCampaign) -> list[dict[str, Any]]:
    """Preference triples from the accepted answers, in TRL's conversational layout: the prompt's
    messages, the expert's answer chosen, the model's low-scored answer rejected."""
    return [
        {
            "prompt": _prompt_messages(s),
            "chosen": [{"role": "assistant", "content": s.reference_answer}],
            "rejected": [{"role": "assistant", "content": s.given.response.text}],
        }
        for s in _accepted_answers(campaign)
    ]


def authoring_warning_acknowledged(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> bool:
    """The person acknowledged the campaign's content warning (on a page or through the API)."""
    return AuthoringWarningSeen.objects.filter(campaign=campaign, user=user).exists()


def authoring_warning_due(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> bool:
    """The campaign has a content warning that the person has not acknowledged yet."""
    return bool(campaign.content_warning) and not authoring_warning_acknowledged(user=user, campaign=campaign)


def campaigns_with_warning_acknowledged(
    campaigns: QuerySet[AuthoringCampaign], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[AuthoringCampaign]:
    """The campaigns, each with `warning_acknowledged` by this person: a list asks once, not once
    per campaign."""
    if not user.is_authenticated:
        return campaigns
    return campaigns.annotate(
        warning_acknowledged=Exists(AuthoringWarningSeen.objects.filter(campaign=OuterRef("pk"), user=user))
    )


def campaigns_under_way() -> QuerySet[AuthoringCampaign]:
    """The campaigns staff review and read figures of: all but drafts."""
    return AuthoringCampaign.objects.exclude(status=AuthoringCampaign.Status.DRAFT).order_by("-pk")


def campaigns_for_author(user: AbstractBaseUser | AnonymousUser) -> list[AuthoringCampaign]:
    """The open campaigns this person may write in, with how many they have submitted there."""
    if not user.is_authenticated:
        return []
    campaigns = AuthoringCampaign.objects.filter(status=AuthoringCampaign.Status.OPEN).select_related(
        "domain"
    )
    scope = author_scope_of(user)
    if scope is not None:
        campaigns = campaigns.filter(pk=scope.campaign_id)
    campaigns = campaigns.annotate(
        mine=Count("submissions", filter=Q(submissions__author=user) & ~Q(submissions__status="rejected"))
    )
    return [c for c in campaigns if campaign_author_allowed(user=user, campaign=c)]


def submitted_count(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> int:
    """The author's submissions that count towards a quota: all but the rejected ones."""
    return campaign.submissions.filter(author=user).exclude(status=Submission.Status.REJECTED).count()


def campaign_full(campaign: AuthoringCampaign) -> bool:
    """The campaign holds all the prompts it asks for (those waiting for review count)."""
    return campaign.submissions.exclude(status=Submission.Status.REJECTED).count() >= campaign.quota_total


def author_quota(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> int:
    """Prompts this person may submit here: the campaign's quota per person, and for a crowd
    participant also their link's, whichever is smaller."""
    scope = author_scope_of(user)
    if scope is not None and scope.campaign_id == campaign.pk:
        return min(scope.quota, campaign.quota_per_person)
    return campaign.quota_per_person


@dataclass(frozen=True)
class AuthorProgress:
    """What the write page and the attack workspace tell an author of their share."""

    submitted: int
    quota: int
    # Crowd participants only: where they finish (the completion code), and whether they may.
    finish_url: str = ""
    part_done: bool = False


def author_progress(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> AuthorProgress:
    """A crowd participant's part is done once they have submitted their quota, or once nothing
    is left for them (the campaign has all its prompts, or is no longer open); entering and
    submitting nothing while the campaign still takes prompts earns nothing."""
    submitted = submitted_count(user=user, campaign=campaign)
    quota = author_quota(user=user, campaign=campaign)
    scope = author_scope_of(user)
    if scope is None or scope.campaign_id != campaign.pk:
        return AuthorProgress(submitted=submitted, quota=quota)
    done = submitted >= quota or campaign.status != AuthoringCampaign.Status.OPEN or campaign_full(campaign)
    return AuthorProgress(submitted=submitted, quota=quota, finish_url=scope.finish_url, part_done=done)


def author_finish_url(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> str | None:
    """Where a crowd participant whose part is done goes to finish (their completion code); None
    for everyone else, who are not counted for it."""
    scope = author_scope_of(user)
    if scope is None or scope.campaign_id != campaign.pk:
        return None
    progress = author_progress(user=user, campaign=campaign)
    return progress.finish_url if progress.part_done else None


def submissions_of_author(
    *, user: AbstractBaseUser, campaign: AuthoringCampaign | None = None
) -> QuerySet[Submission]:
    mine = Submission.objects.filter(author=user).select_related("campaign", "scenario", "domain")
    return mine.filter(campaign=campaign) if campaign is not None else mine


def review_queue(campaign: AuthoringCampaign) -> QuerySet[Submission]:
    """The submissions waiting for review, oldest first."""
    return (
        campaign.submissions.filter(status=Submission.Status.PENDING)
        .select_related("scenario", "domain", "target", "author__annotator_profile", "given__response")
        .order_by("created_at", "id")
    )


def reject_reason_shown(submission: Submission) -> str:
    """The reason as the author reads it: a fixed reason in the reader's language, the reviewer's
    own words as written."""
    code, _sep, rest = (submission.reject_reason or "").partition("\n")
    if code in RejectReason.values:
        label = str(RejectReason(code).label)
        return f"{label} {rest}".strip()
    return submission.reject_reason


@dataclass(frozen=True)
class TypingEvidence:
    """How a text was written, as the reviewer reads it: evidence, not proof."""

    field: str
    share_pasted: float | None
    typing_s: int

    @property
    def percent_pasted(self) -> int | None:
        return None if self.share_pasted is None else round(100 * self.share_pasted)


def typing_evidence(submission: Submission) -> list[TypingEvidence]:
    shown = []
    for field, figures in (submission.provenance or {}).items():
        if not isinstance(figures, dict):
            continue
        typed, pasted = int(figures.get("typed", 0)), int(figures.get("pasted", 0))
        share = pasted / (typed + pasted) if typed + pasted else None
        shown.append(
            TypingEvidence(field=field, share_pasted=share, typing_s=int(figures.get("typing_ms", 0)) // 1000)
        )
    return shown


@dataclass(frozen=True)
class PayRow:
    author_id: int
    pseudonym: str
    accepted: int
    rejected: int
    pending: int
    pay: Decimal


def pay_report(campaign: AuthoringCampaign) -> list[PayRow]:
    """Each author's submissions by status and their pay: accepted prompts × the campaign's rate."""
    rows = (
        campaign.submissions.values("author_id", "author__annotator_profile__pseudonym")
        .annotate(
            accepted=Count("id", filter=Q(status=Submission.Status.ACCEPTED)),
            rejected=Count("id", filter=Q(status=Submission.Status.REJECTED)),
            pending=Count("id", filter=Q(status=Submission.Status.PENDING)),
        )
        .order_by("author__annotator_profile__pseudonym", "author_id")
    )
    return [
        PayRow(
            author_id=row["author_id"],
            pseudonym=row["author__annotator_profile__pseudonym"] or f"user-{row['author_id']}",
            accepted=row["accepted"],
            rejected=row["rejected"],
            pending=row["pending"],
            pay=campaign.pay_per_accepted * row["accepted"],
        )
        for row in rows
    ]


def campaign_counts(campaign: AuthoringCampaign) -> dict[str, int]:
    counts = dict(campaign.submissions.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Submission.Status.values}


def answer_export_rows(campaign: AuthoringCampaign, layout: str) -> list[dict[str, Any]] | None:
    """The accepted answers in an export's layout ("sft" or "dpo"); None for any other name."""
    rows = {"sft": sft_rows, "dpo": dpo_rows}.get(layout)
    return rows(campaign) if rows is not None else None
