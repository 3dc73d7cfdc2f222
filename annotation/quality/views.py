"""Quality pages of a campaign: judges (gold accuracy, rules, exclusions), check items, settings,
and the adjudication queue. Reviewers read and act on judges and items; admins change settings
and check items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from annotation.models import Adjudication, Campaign, Item, ItemPurpose, JudgeExclusion, JudgeStanding
from annotation.protocol.services import campaign_settings_save
from annotation.quality import selectors, services
from annotation.quality.forms import (
    AdjudicationForm,
    CheckImportForm,
    CheckItemForm,
    QualitySettingsForm,
    ReasonForm,
)
from annotation.selectors import campaigns_for_review
from authoring.selectors import campaigns_under_way
from common.errors import form_error_add
from common.pagination import page_of
from common.roles import admin_required, reviewer_required, user_is_admin


def _campaign(campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign, pk=campaign_id)


def _back(campaign: Campaign) -> HttpResponse:
    return redirect("quality:page", campaign_id=campaign.pk)


@reviewer_required
def quality_index(request: HttpRequest) -> HttpResponse:
    """The menu's way to each campaign's quality page and adjudication queue, and to each
    authoring campaign's per-author figures."""
    context = {"page": page_of(request, campaigns_for_review()), "authoring": campaigns_under_way()[:50]}
    return render(request, "annotation/quality/index.html", context)


@reviewer_required
def quality_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    check_counts = dict(
        Item.objects.filter(campaign=campaign)
        .values_list("purpose")
        .annotate(n=Count("id"))
        .values_list("purpose", "n")
    )
    context = {
        "campaign": campaign,
        "judges": selectors.judges_quality(campaign),
        "check_counts": [(label, check_counts.get(value, 0)) for value, label in ItemPurpose.choices],
        "check_items": Item.objects.filter(campaign=campaign)
        .exclude(purpose=ItemPurpose.REGULAR)
        .order_by("pk")[:200],
        "exclusions": JudgeExclusion.objects.filter(campaign=campaign).select_related(
            "user__annotator_profile", "by"
        ),
        "queue_size": len(selectors.adjudication_queue(campaign)),
        "competence_at": JudgeStanding.objects.filter(campaign=campaign).aggregate(at=Max("competence_at"))[
            "at"
        ],
        "can_admin": user_is_admin(request.user),
        "settings_form": QualitySettingsForm(instance=campaign),
        "item_form": CheckItemForm(),
        "import_form": CheckImportForm(),
        "reason_form": ReasonForm(),
    }
    return render(request, "annotation/quality/page.html", context)


@admin_required
@require_POST
def quality_settings(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    form = QualitySettingsForm(request.POST, instance=campaign)
    if form.is_valid():
        campaign_settings_save(campaign=form.instance, fields=form.fields, by=request.user)
        messages.success(request, _("Quality settings saved."))
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    return _back(campaign)


@admin_required
@require_POST
def check_item_mark(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    form = CheckItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the item form: %(errors)s") % {"errors": form.errors.as_text()})
        return _back(campaign)
    data = form.cleaned_data
    item = Item.objects.filter(campaign=campaign, pk=data["item"]).select_related("campaign").first()
    if item is None:
        messages.error(request, _("No such item in this campaign."))
        return _back(campaign)
    try:
        services.item_purpose_set(
            item=item,
            purpose=data["purpose"],
            answer=form.check_answer(),
            by=request.user,
        )
    except services.QualityRejected as rejected:
        messages.error(request, str(rejected))
    else:
        messages.success(request, _("Item %(id)s saved.") % {"id": item.pk})
    return _back(campaign)


@admin_required
@require_POST
def check_items_import(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    form = CheckImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
        return _back(campaign)
    upload = form.cleaned_data["file"]
    try:
        count = services.check_items_import(
            campaign=campaign, name=upload.name, content=upload.read(), by=request.user
        )
    except services.QualityRejected as rejected:
        messages.error(request, str(rejected))
    else:
        messages.success(request, _("%(count)s items imported.") % {"count": count})
    return _back(campaign)


@admin_required
@require_http_methods(["GET", "POST"])
def gold_promote(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """GET: which items would become gold and what that does, before anything changes. POST: promote
    the items the page showed (those that still qualify)."""
    campaign = _campaign(campaign_id)
    if request.method == "POST":
        item_ids = [int(v) for v in request.POST.getlist("item") if v.isdigit()]
        count = services.gold_promote_unanimous(campaign=campaign, by=request.user, item_ids=item_ids)
        messages.success(request, _("%(count)s unanimous items promoted to gold.") % {"count": count})
        return _back(campaign)
    candidates = selectors.gold_promotion_candidates(campaign=campaign)
    return render(
        request,
        "annotation/quality/gold_promote.html",
        {
            "campaign": campaign,
            "candidates": candidates,
            "judgements": sum(c.judgements for c in candidates),
        },
    )


@reviewer_required
@require_POST
def competence_refresh(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    services.campaign_competence_request(campaign=campaign, by=request.user)
    messages.success(request, _("A worker is recomputing competence and model estimates."))
    return _back(campaign)


def _judge(user_id: int):
    return get_object_or_404(get_user_model(), pk=user_id)


@reviewer_required
@require_POST
def judge_action(request: HttpRequest, campaign_id: int, user_id: int, action: str) -> HttpResponse:
    campaign, judge = _campaign(campaign_id), _judge(user_id)
    try:
        if action == "exclude":
            services.judge_exclude(
                campaign=campaign, user=judge, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Judge excluded; each item they judged gets a new slot."))
        elif action == "readmit":
            services.judge_readmit(campaign=campaign, user=judge, by=request.user)
            messages.success(request, _("Judge let back in."))
        elif action == "resume":
            services.judge_resume(campaign=campaign, user=judge, by=request.user)
            messages.success(request, _("Judge may go on."))
        else:
            raise PermissionDenied
    except services.QualityRejected as rejected:
        messages.error(request, str(rejected))
    return _back(campaign)


@reviewer_required
def adjudication_queue(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    rows = selectors.adjudication_queue(campaign)[:500]
    items = selectors.adjudication_queue_items(row.item_id for row in rows)
    return render(
        request,
        "annotation/quality/adjudication_queue.html",
        {"campaign": campaign, "rows": [(row, items.get(row.item_id)) for row in rows]},
    )


@reviewer_required
@require_http_methods(["GET", "POST"])
def adjudication_item(request: HttpRequest, campaign_id: int, item_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    item = get_object_or_404(Item.objects.select_related("campaign", "prompt"), pk=item_id, campaign=campaign)
    adjudication = getattr(item, "adjudication", None)
    final = selectors.item_final_values([campaign.pk], item_ids=[item.pk]).get(item.pk)
    form = AdjudicationForm(
        request.POST or None,
        initial=_adjudication_initial(adjudication, selectors.item_verdict_to_confirm(item, final=final)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.item_adjudicate(item=item, by=request.user, data=form.adjudication_input())
        except services.QualityRejected as rejected:
            form_error_add(form, rejected)
        else:
            messages.success(request, _("Final value saved."))
            return redirect("quality:adjudication", campaign_id=campaign.pk)
    # Judges are pseudonymous by default; an admin may ask for the usernames.
    names = request.GET.get("names") == "1" and user_is_admin(request.user)
    context = {
        "campaign": campaign,
        "item": item,
        "responses": item.item_responses.select_related("response").order_by("position"),
        "judgements": selectors.item_judgements_for_review(item),
        "adjudication": adjudication,
        "final": final,
        "form": form,
        "names": names,
    }
    return render(
        request, "annotation/quality/adjudication_item.html", context, status=400 if form.errors else 200
    )


def _adjudication_initial(adjudication: Adjudication | None, verdict: bool | None) -> dict[str, object]:
    """The form starts on the item's current value; with none, on an empty choice, so that a
    reviewer who submits without choosing is asked to choose rather than saving "safe"."""
    initial: dict[str, object] = {"note": adjudication.note if adjudication else ""}
    if verdict is not None:
        initial["verdict"] = "safe" if verdict else "unsafe"
    if adjudication is not None and adjudication.score is not None:
        initial["score"] = adjudication.score
    if adjudication is not None and adjudication.preferred is not None:
        initial["preferred"] = adjudication.preferred
    return initial
