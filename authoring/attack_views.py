"""The attack workspace page: a campaign's instructions and scenario briefs, the author's open
conversation with its target, the turn box (answers stream in through authoring/stream_views.py),
start over, and at the end the author's own label and scenario for submitting."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from authoring import services
from authoring.attack import (
    TURN_MAX_CHARS,
    conversation_restart,
    conversation_start,
    target_label,
    turns_left,
)
from authoring.models import AuthoringCampaign, Conversation, Turn
from authoring.selectors import author_progress, campaign_author_allowed
from authoring.views import after_submit_url, content_warning_due, content_warning_page
from common.errors import ApplicationError
from prompts.models import Scenario


@login_required
def attack_workspace(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id, kind=AuthoringCampaign.Kind.ATTACK)
    if not campaign_author_allowed(user=request.user, campaign=campaign):
        raise PermissionDenied(_("You may not write in this campaign."))
    if (warning := content_warning_page(request, campaign)) is not None:
        return warning
    conversation = (
        Conversation.objects.filter(campaign=campaign, author=request.user, status=Conversation.Status.OPEN)
        .select_related("campaign", "target")
        .first()
    )
    turns = list(conversation.turns.order_by("position")) if conversation else []
    last = turns[-1] if turns else None
    briefs = list(campaign.briefs.select_related("scenario"))
    return render(
        request,
        "authoring/attack.html",
        {
            "campaign": campaign,
            "briefs": [
                (brief, [line for line in brief.examples.splitlines() if line.strip()]) for brief in briefs
            ],
            "conversation": conversation,
            "target": target_label(conversation) if conversation else "",
            "turns": turns,
            "turns_left": turns_left(conversation) if conversation else 0,
            "can_write": last is None or last.status == Turn.Status.DONE,
            "can_submit": last is not None and last.status == Turn.Status.DONE,
            "turn_max_chars": TURN_MAX_CHARS,
            "submit_key": uuid.uuid4(),
            "progress": author_progress(user=request.user, campaign=campaign),
        },
    )


@login_required
@require_POST
def attack_start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id, kind=AuthoringCampaign.Kind.ATTACK)
    # A conversation starts from the workspace, which shows the warning first; a start posted
    # before it is acknowledged goes back there (conversation_start would refuse it too).
    if content_warning_due(request, campaign):
        return redirect("authoring:attack", campaign_id=campaign.pk)
    try:
        conversation_start(campaign=campaign, author=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    return redirect("authoring:attack", campaign_id=campaign.pk)


@login_required
@require_POST
def attack_restart(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation, pk=conversation_id)
    try:
        conversation_restart(conversation=conversation, author=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    return redirect("authoring:attack", campaign_id=conversation.campaign_id)


class AttackSubmitForm(forms.Form):
    """The end of an attack: the author's own label of the last answer and its scenario. Left
    empty, each is refused by attack_submit, with the words every way in uses."""

    submit_key = forms.UUIDField()
    author_says_harmful = forms.TypedChoiceField(
        choices=[("yes", gettext_lazy("Yes, harmful")), ("no", gettext_lazy("No, not harmful"))],
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=None,
    )
    scenario = forms.ModelChoiceField(queryset=Scenario.objects.all(), required=False)


@login_required
@require_POST
def attack_submit(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation, pk=conversation_id)
    form = AttackSubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and submit again."))
        return redirect("authoring:attack", campaign_id=conversation.campaign_id)
    try:
        done = services.attack_submit(
            user=request.user,
            conversation=conversation,
            author_says_harmful=form.cleaned_data["author_says_harmful"],
            scenario=form.cleaned_data["scenario"],
            submit_key=form.cleaned_data["submit_key"],
        )
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        if done.created:
            messages.success(request, _("Submitted: a reviewer will read it. You can start the next attack."))
        else:
            messages.info(request, _("This form was submitted already: your prompt is stored once."))
        # The campaign the service locked (the conversation here was read without it).
        return redirect(after_submit_url(request, done.submission.campaign))
    return redirect("authoring:attack", campaign_id=conversation.campaign_id)
