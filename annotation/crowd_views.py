"""Pages of crowd platform participants: the entry link, and the end of their part."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import SimpleRateThrottle

from annotation import crowd
from annotation.auth import crowd_scope_of
from annotation.models import Campaign, CrowdLink, CrowdParticipant
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


def _submission_sign_in(request: HttpRequest, user: Any, campaign_id: int) -> None:
    """Sign the submission's account in, keeping the other submissions this browser entered."""
    remembered = dict(request.session.get(crowd.CROWD_SESSION_KEY, {}))
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    if not request.user.is_authenticated:
        login(request, user, backend=_BACKEND)
    remembered[str(campaign_id)] = user.pk
    request.session[crowd.CROWD_SESSION_KEY] = remembered


def crowd_submission_resume(request: HttpRequest, campaign_id: int) -> None:
    """A participant of several studies in one browser, signed in as another study's submission:
    the page of this campaign signs this campaign's submission in again."""
    remembered = request.session.get(crowd.CROWD_SESSION_KEY)
    if not remembered or str(campaign_id) not in remembered:
        return
    scope = crowd_scope_of(request.user)
    if scope is None or scope.campaign_id == campaign_id:
        return
    participant = (
        CrowdParticipant.objects.select_related("user")
        .filter(user_id=remembered[str(campaign_id)], link__campaign_id=campaign_id, user__is_active=True)
        .first()
    )
    if participant is not None:
        _submission_sign_in(request, participant.user, campaign_id)


@require_http_methods(["GET", "POST"])
def crowd_enter(request: HttpRequest, token: str) -> HttpResponse:
    """The URL a platform sends its participants to, with their ids in the query string. A GET
    shows what the study asks and makes nothing; starting is a POST (the ids stay in the URL)."""
    link = get_object_or_404(CrowdLink.objects.select_related("campaign"), token=token)
    try:
        ids = crowd.crowd_ids_from(link=link, query=request.GET)
        if not link.is_active or link.campaign.status != Campaign.Status.OPEN:
            raise crowd.CrowdEntryRefused(_("This study is not open right now."))
    except crowd.CrowdEntryRefused as refused:
        return render(request, "annotation/crowd_refused.html", {"reason": str(refused)}, status=400)
    existing = crowd.crowd_participant_find(link=link, ids=ids)
    if request.method == "GET":
        if existing is not None and request.user.is_authenticated and request.user.pk == existing.user_id:
            return redirect("annotation:workspace", campaign_id=link.campaign_id)
        return render(
            request,
            "annotation/crowd_welcome.html",
            {
                "campaign": link.campaign,
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
    _submission_sign_in(request, user, link.campaign_id)
    return redirect("annotation:workspace", campaign_id=link.campaign_id)


@login_required
def crowd_done(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The end of a participant's part: their completion code, or back to the platform; only once
    the work is done (the quota, or nothing left for them)."""
    crowd_submission_resume(request, campaign_id)
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    participant = (
        crowd.crowd_participant_for(user=request.user, campaign=campaign)
        if Role.CROWDWORKER in user_roles(request.user)
        else None
    )
    if participant is None:
        raise Http404
    judged = crowd.crowd_judged(participant=participant)
    if not crowd.crowd_part_done(participant=participant):
        return render(
            request,
            "annotation/crowd_not_done.html",
            {"campaign": campaign, "judged": judged, "quota": participant.link.quota_per_person},
            status=409,
        )
    crowd.crowd_participant_finish(participant=participant)
    if participant.link.completion_url:
        return redirect(participant.link.completion_url)
    return render(
        request,
        "annotation/crowd_done.html",
        {"campaign": campaign, "link": participant.link, "judged": judged},
    )
