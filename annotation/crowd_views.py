"""Pages of crowd platform participants: the entry link and the end of their part."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from annotation import crowd
from annotation.models import Campaign, CrowdLink

_BACKEND = "django.contrib.auth.backends.ModelBackend"


def crowd_enter(request: HttpRequest, token: str) -> HttpResponse:
    """The URL a platform sends its participants to, with their ids in the query string."""
    link = get_object_or_404(CrowdLink.objects.select_related("campaign"), token=token)
    try:
        ids = crowd.crowd_ids_from(link=link, query=request.GET)
        user = crowd.crowd_participant_enter(link=link, ids=ids)
    except crowd.CrowdEntryRefused as refused:
        return render(request, "annotation/crowd_refused.html", {"reason": str(refused)}, status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        # Someone else's session in this browser (a researcher trying the link): theirs ends here.
        logout(request)
    if not request.user.is_authenticated:
        login(request, user, backend=_BACKEND)
    request.session[crowd.CROWD_SESSION_KEY] = link.campaign_id
    return redirect("annotation:workspace", campaign_id=link.campaign_id)


@login_required
def crowd_done(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The end of a participant's part: their completion code, or back to the platform."""
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    participant = crowd.crowd_participant_for(user=request.user, campaign=campaign)
    if participant is None:
        raise Http404
    crowd.crowd_participant_finish(participant=participant)
    if participant.link.completion_url:
        return redirect(participant.link.completion_url)
    return render(
        request,
        "annotation/crowd_done.html",
        {
            "campaign": campaign,
            "link": participant.link,
            "judged": crowd.crowd_judged(participant=participant),
        },
    )
