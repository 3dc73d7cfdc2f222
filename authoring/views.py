"""Authoring's pages: campaigns for admins, the author's list, write page and submissions, the
review queue, and the pay report. Thin: each write is one service call."""

from __future__ import annotations

import csv
import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from authoring import selectors, services
from authoring.dedup import near_duplicates
from authoring.forms import (
    AuthoringCampaignForm,
    BriefFormSet,
    ReviewForm,
    WriteForm,
    brief_initial,
    briefs_of,
)
from authoring.models import AuthoringCampaign, Submission
from common.errors import ApplicationError, form_error_add
from common.roles import admin_required, reviewer_required

# ---------------------------------------------------------------- admins


@admin_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = AuthoringCampaign.objects.select_related("domain")
    rows = [(c, selectors.campaign_counts(c)) for c in campaigns]
    return render(request, "authoring/campaign_list.html", {"rows": rows})


def _campaign_form_page(request: HttpRequest, campaign: AuthoringCampaign | None) -> HttpResponse:
    initial, briefs_initial = None, None
    if campaign is not None:
        initial = {
            **{f: getattr(campaign, f) for f in AuthoringCampaignForm.base_fields if hasattr(campaign, f)},
            "targets": list(campaign.targets.all()),
        }
        briefs_initial = [brief_initial(b) for b in campaign.briefs.select_related("scenario")]
    form = AuthoringCampaignForm(request.POST or None, initial=initial)
    briefs = BriefFormSet(request.POST or None, initial=briefs_initial, prefix="briefs")
    if request.method == "POST" and form.is_valid() and briefs.is_valid():
        data = form.campaign_input(briefs_of(briefs))
        try:
            if campaign is None:
                campaign = services.authoring_campaign_create(data=data, user=request.user)
            else:
                services.authoring_campaign_update(campaign=campaign, data=data)
        except ApplicationError as refused:
            form_error_add(form, refused)
        else:
            messages.success(request, _("Saved."))
            return redirect("authoring:campaign_detail", campaign_id=campaign.pk)
    return render(
        request, "authoring/campaign_form.html", {"form": form, "briefs": briefs, "campaign": campaign}
    )


@admin_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    return _campaign_form_page(request, None)


@admin_required
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _campaign_form_page(request, get_object_or_404(AuthoringCampaign, pk=campaign_id))


@admin_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(
        AuthoringCampaign.objects.select_related("prompt_set", "attack_run"), pk=campaign_id
    )
    context = {
        "campaign": campaign,
        "counts": selectors.campaign_counts(campaign),
        "briefs": campaign.briefs.select_related("scenario"),
        "statuses": AuthoringCampaign.Status.choices,
    }
    return render(request, "authoring/campaign_detail.html", context)


@admin_required
@require_POST
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id)
    try:
        services.authoring_campaign_status_set(campaign=campaign, status=request.POST.get("status", ""))
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("The campaign is now %(status)s.") % {"status": campaign.get_status_display().lower()}
        )
    return redirect("authoring:campaign_detail", campaign_id=campaign.pk)


@admin_required
def campaign_report(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id)
    rows = selectors.pay_report(campaign)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="authoring-{campaign.pk}-pay.csv"'
        # A byte-order mark, as the other CSV downloads: Excel reads the file as UTF-8.
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["pseudonym", "accepted", "rejected", "pending", "pay", "currency"])
        for row in rows:
            writer.writerow(
                [row.pseudonym, row.accepted, row.rejected, row.pending, row.pay, campaign.currency]
            )
        return response
    return render(request, "authoring/campaign_report.html", {"campaign": campaign, "rows": rows})


@reviewer_required
def campaign_export(request: HttpRequest, campaign_id: int, layout: str) -> HttpResponse:
    """The accepted expert answers as JSONL: SFT pairs or DPO triples (docs/authoring.md)."""
    campaign = get_object_or_404(
        AuthoringCampaign, pk=campaign_id, kind=AuthoringCampaign.Kind.EXPERT_ANSWERS
    )
    rows = selectors.answer_export_rows(campaign, layout)
    if rows is None:
        raise Http404
    lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    response = HttpResponse("".join(lines), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="authoring-{campaign.pk}-{layout}.jsonl"'
    return response


# ---------------------------------------------------------------- authors


@login_required
def author_home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "authoring/author_home.html", {"campaigns": selectors.campaigns_for_author(request.user)}
    )


def _campaign_for_author(request: HttpRequest, campaign_id: int) -> AuthoringCampaign:
    campaign = get_object_or_404(AuthoringCampaign.objects.select_related("domain"), pk=campaign_id)
    if not selectors.campaign_author_allowed(user=request.user, campaign=campaign):
        raise PermissionDenied(_("You may not write in this campaign."))
    return campaign


def after_submit_url(request: HttpRequest, campaign: AuthoringCampaign) -> str:
    """Back to work after a submit; a crowd participant whose part is now done goes on to finish
    (their completion code), as a judge at their quota does."""
    finish_url = selectors.author_finish_url(user=request.user, campaign=campaign)
    if finish_url is not None:
        return finish_url
    name = "authoring:attack" if campaign.kind == AuthoringCampaign.Kind.ATTACK else "authoring:write"
    return reverse(name, args=[campaign.pk])


# The campaigns whose content warning the person acknowledged (stored in the database, for every
# way in), cached in their session: the pages ask on every load, and the session is read anyway.
# A new name: a session that acknowledged before the acknowledgement was stored is asked once more,
# rather than let onto a page whose submit the service would refuse.
SESSION_WARNINGS_SEEN = "valuelens_authoring_warnings_acknowledged"


def _session_warning_seen_add(request: HttpRequest, campaign: AuthoringCampaign) -> None:
    seen = request.session.get(SESSION_WARNINGS_SEEN, [])
    if campaign.pk not in seen:
        request.session[SESSION_WARNINGS_SEEN] = [*seen, campaign.pk]


def content_warning_due(request: HttpRequest, campaign: AuthoringCampaign) -> bool:
    if not campaign.content_warning or campaign.pk in request.session.get(SESSION_WARNINGS_SEEN, []):
        return False
    if selectors.authoring_warning_due(user=request.user, campaign=campaign):
        return True
    _session_warning_seen_add(request, campaign)
    return False


def content_warning_page(request: HttpRequest, campaign: AuthoringCampaign) -> HttpResponse | None:
    """The campaign's content warning, if the person has not acknowledged it yet: the one gate
    before the write page and the attack workspace alike."""
    if content_warning_due(request, campaign):
        return render(request, "authoring/content_warning.html", {"campaign": campaign})
    return None


def _writing_page(campaign: AuthoringCampaign) -> HttpResponse:
    name = "authoring:attack" if campaign.kind == AuthoringCampaign.Kind.ATTACK else "authoring:write"
    return redirect(name, campaign_id=campaign.pk)


@login_required
def write(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for_author(request, campaign_id)
    if campaign.kind == AuthoringCampaign.Kind.ATTACK:
        raise PermissionDenied(_("An attack is written against a model, in the attack workspace."))
    if (warning := content_warning_page(request, campaign)) is not None:
        return warning
    answering = campaign.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS
    # An expert-answers campaign: the next given prompt this expert has not answered.
    given = selectors.next_given_prompt(user=request.user, campaign=campaign) if answering else None
    form = WriteForm(
        request.POST or None, campaign=campaign, initial={"submit_key": uuid.uuid4(), "given": given}
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = services.submission_submit(
                campaign=campaign, user=request.user, data=form.submission_input()
            )
        except ApplicationError as refused:
            form_error_add(form, refused)
        else:
            if done.created:
                messages.success(
                    request, _("Submitted: a reviewer will read it. You can write the next one.")
                )
            else:
                messages.info(request, _("This form was submitted already: your prompt is stored once."))
            return redirect(after_submit_url(request, campaign))
    context = {
        "campaign": campaign,
        "form": form,
        "progress": selectors.author_progress(user=request.user, campaign=campaign),
        "briefs": campaign.briefs.select_related("scenario"),
        "answering": answering,
        # A refused answer shows again the prompt it answered.
        "given": (form.cleaned_data.get("given") if form.is_bound and form.is_valid() else None) or given,
    }
    return render(request, "authoring/write.html", context)


@login_required
@require_POST
def content_warning_acknowledge(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for_author(request, campaign_id)
    services.authoring_warning_acknowledge(user=request.user, campaign=campaign)
    _session_warning_seen_add(request, campaign)
    return _writing_page(campaign)


@login_required
@require_POST
def near_duplicates_check(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """While the author writes (htmx): the set's accepted prompts most like the text."""
    campaign = _campaign_for_author(request, campaign_id)
    # The set's prompts are the content the warning is about.
    if content_warning_due(request, campaign):
        return HttpResponse(status=409)
    found = near_duplicates(prompt_set=campaign.prompt_set_id, text=request.POST.get("text", ""))
    return render(request, "authoring/_near_duplicates.html", {"found": found, "checked": True})


@login_required
def my_submissions(request: HttpRequest) -> HttpResponse:
    submissions = selectors.submissions_of_author(user=request.user)[:200]
    rows = [(s, selectors.reject_reason_shown(s)) for s in submissions]
    return render(request, "authoring/my_submissions.html", {"rows": rows})


# ---------------------------------------------------------------- reviewers


@reviewer_required
def review_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "authoring/review_index.html",
        {"rows": [(c, selectors.campaign_counts(c)) for c in selectors.campaigns_under_way()]},
    )


@reviewer_required
def review_queue(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id)
    queue = selectors.review_queue(campaign)
    # One form per submission on the page: ids of their own, so each label names its own field.
    rows = [
        (
            s,
            selectors.typing_evidence(s),
            ReviewForm(
                initial={"text": s.reference_answer if s.given_id else s.text},
                auto_id=f"review-{s.pk}-%s",
                answer=bool(s.given_id),
            ),
        )
        for s in queue[:50]
    ]
    return render(
        request, "authoring/review_queue.html", {"campaign": campaign, "rows": rows, "waiting": queue.count()}
    )


@reviewer_required
@require_POST
def review(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = get_object_or_404(Submission, pk=submission_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Accept or reject."))
    else:
        try:
            done = services.submission_review(
                submission=submission, user=request.user, data=form.review_input()
            )
        except ApplicationError as refused:
            messages.error(request, refused.message)
        else:
            if done.status == Submission.Status.ACCEPTED:
                messages.success(request, _("Accepted: the prompt is in the campaign's set."))
            else:
                messages.success(request, _("Rejected: the author reads your reason."))
    return redirect("authoring:review_queue", campaign_id=submission.campaign_id)
