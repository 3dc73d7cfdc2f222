"""Pages of crowd platform participants: the entry link, and the end of their part."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import SimpleRateThrottle

from annotation import crowd
from annotation.auth import crowd_scope_of
from annotation.models import Campaign, CrowdLink, CrowdParticipant
from authoring.models import AuthoringCampaign
from authoring.selectors import author_progress, author_scope_of
from common.roles import Role, user_roles

_BACKEND = "annotation.auth.RolesBackend"


class CrowdEntryThrottle(SimpleRateThrottle):
    """New submissions per client address (resuming one is never throttled): entry makes an
    account without a password, so a script must not make thousands. The address is the one DRF's
    throttles see (NUM_PROXIES)."""

    scope = "crowd_entry"

    def get_rate(self) -> str:
        return settings.CROWD_ENTRY_RATE

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _signed_in_elsewhere(request: HttpRequest) -> bool:
    """Someone other than a platform participant is signed in (a researcher trying the link)."""
    user = request.user
    return user.is_authenticated and crowd_scope_of(user) is None


def _submission_sign_in(request: HttpRequest, user: Any, target_key: str) -> None:
    """Sign the submission's account in, keeping the other submissions this browser entered."""
    remembered = dict(request.session.get(crowd.CROWD_SESSION_KEY, {}))
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    if not request.user.is_authenticated:
        login(request, user, backend=_BACKEND)
    remembered[target_key] = user.pk
    request.session[crowd.CROWD_SESSION_KEY] = remembered


def _target_key_of(user: Any) -> str | None:
    """The campaign the signed-in platform participant came into (a CrowdLink.target_key)."""
    scope = crowd_scope_of(user)
    if scope is None:
        return None
    if scope.campaign_id is not None:
        return str(scope.campaign_id)
    authoring = author_scope_of(user)
    return CrowdLink.authoring_key(authoring.campaign_id) if authoring else None


def _submission_resume(request: HttpRequest, target_key: str, **link_filter: int) -> None:
    remembered = request.session.get(crowd.CROWD_SESSION_KEY)
    if not remembered or target_key not in remembered:
        return
    current = _target_key_of(request.user)
    if current is None or current == target_key:
        return
    participant = (
        CrowdParticipant.objects.select_related("user")
        .filter(user_id=remembered[target_key], user__is_active=True, **link_filter)
        .first()
    )
    if participant is not None:
        _submission_sign_in(request, participant.user, target_key)


def crowd_submission_resume(request: HttpRequest, campaign_id: int) -> None:
    """A participant of several studies in one browser, signed in as another study's submission:
    the page of this campaign signs this campaign's submission in again."""
    _submission_resume(request, str(campaign_id), link__campaign_id=campaign_id)


def _work_url(link: CrowdLink) -> str:
    """Where a participant works: the judging workspace, the attack workspace or the write page."""
    if link.authoring_campaign_id is None:
        return reverse("annotation:workspace", args=[link.campaign_id])
    if link.authoring_campaign.kind == AuthoringCampaign.Kind.ATTACK:
        return reverse("authoring:attack", args=[link.authoring_campaign_id])
    return reverse("authoring:write", args=[link.authoring_campaign_id])


@require_http_methods(["GET", "POST"])
def crowd_enter(request: HttpRequest, token: str) -> HttpResponse:
    """The URL a platform sends its participants to, with their ids in the query string. A GET
    shows what the study asks and makes nothing; starting is a POST (the ids stay in the URL)."""
    link = CrowdLink.objects.select_related("campaign", "authoring_campaign").filter(token=token).first()
    if link is None:
        # A token mistyped, cut short or made up: say so, rather than a bare "not found".
        reason = _("This link is not valid: open it from the platform's study page.")
        return render(request, "annotation/crowd_refused.html", {"reason": reason}, status=404)
    try:
        ids = crowd.crowd_ids_from(link=link, query=request.GET)
        if not crowd.crowd_link_open(link):
            raise crowd.CrowdEntryRefused(_("This study is not open right now."))
    except crowd.CrowdEntryRefused as refused:
        return render(request, "annotation/crowd_refused.html", {"reason": str(refused)}, status=400)
    existing = crowd.crowd_participant_find(link=link, ids=ids)
    if request.method == "GET":
        if existing is not None and request.user.is_authenticated and request.user.pk == existing.user_id:
            return redirect(_work_url(link))
        return render(
            request,
            "annotation/crowd_welcome.html",
            {
                "campaign": link.campaign or link.authoring_campaign,
                "authoring": link.authoring_campaign_id is not None,
                "action": request.get_full_path(),
                "welcome": crowd.crowd_welcome(link=link),
                "resuming": existing is not None,
                "signed_in_as": request.user.get_username() if _signed_in_elsewhere(request) else "",
            },
        )
    if existing is None:
        throttle = CrowdEntryThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait() or 60) + 1
            response = render(
                request,
                "annotation/crowd_refused.html",
                {
                    "reason": _("Too many new participants from this address. Try again in %(s)s seconds.")
                    % {"s": wait}
                },
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
    try:
        user = crowd.crowd_participant_enter(link=link, ids=ids)
    except crowd.CrowdEntryRefused as refused:
        return render(request, "annotation/crowd_refused.html", {"reason": str(refused)}, status=400)
    _submission_sign_in(request, user, link.target_key)
    return redirect(_work_url(link))


def _participant_or_404(request: HttpRequest, campaign: Campaign | AuthoringCampaign) -> CrowdParticipant:
    participant = (
        crowd.crowd_participant_for(user=request.user, campaign=campaign)
        if Role.CROWDWORKER in user_roles(request.user)
        else None
    )
    if participant is None:
        raise Http404
    return participant


def _finish(request: HttpRequest, participant: CrowdParticipant, context: dict[str, Any]) -> HttpResponse:
    crowd.crowd_participant_finish(participant=participant)
    if participant.link.completion_url:
        return redirect(participant.link.completion_url)
    return render(request, "annotation/crowd_done.html", {**context, "link": participant.link})


@login_required
def crowd_done(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The end of a participant's part: their completion code, or back to the platform; only once
    the work is done (the quota, or nothing left for them)."""
    crowd_submission_resume(request, campaign_id)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    participant = _participant_or_404(request, campaign)
    judged = crowd.crowd_judged(participant=participant)
    if not crowd.crowd_part_done(participant=participant):
        return render(
            request,
            "annotation/crowd_not_done.html",
            {
                "campaign": campaign,
                "done": judged,
                "quota": participant.link.quota_per_person,
                "work_url": _work_url(participant.link),
            },
            status=409,
        )
    return _finish(request, participant, {"campaign": campaign, "done": judged})


@login_required
def crowd_authoring_done(request: HttpRequest, authoring_campaign_id: int) -> HttpResponse:
    """The end of an author's part, as crowd_done: only once they have submitted their quota (or
    the campaign takes nothing more), never before."""
    _submission_resume(
        request,
        CrowdLink.authoring_key(authoring_campaign_id),
        link__authoring_campaign_id=authoring_campaign_id,
    )
    campaign = get_object_or_404(AuthoringCampaign, pk=authoring_campaign_id)
    participant = _participant_or_404(request, campaign)
    progress = author_progress(user=participant.user, campaign=campaign)
    context = {"campaign": campaign, "authoring": True, "done": progress.submitted}
    if not progress.part_done:
        return render(
            request,
            "annotation/crowd_not_done.html",
            {**context, "quota": progress.quota, "work_url": _work_url(participant.link)},
            status=409,
        )
    return _finish(request, participant, context)
