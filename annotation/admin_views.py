"""Admin pages for campaigns: create from responses, open / pause / close, progress per annotator."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotation import selectors, services
from annotation.forms import CampaignForm
from annotation.models import Campaign
from config.pagination import page_of
from config.roles import admin_required
from models_registry.selectors import responses_filtered


@admin_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, Campaign.objects.all())
    rows = [(c, selectors.campaign_progress(c)) for c in page]
    return render(request, "annotation/campaign_list.html", {"rows": rows, "page": page})


@admin_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        responses = responses_filtered(
            runs=data["runs"],
            models=data["target_models"],
            level=data["level"],
            domain=data["domain"],
            scenario=data["scenario"],
        )
        try:
            campaign = services.campaign_create(
                name=data["name"],
                kind=data["kind"],
                responses=responses,
                judges_per_item=data["judges_per_item"],
                guidelines=data["guidelines"],
                blind=data["blind"],
                lease_minutes=data["lease_minutes"],
                group_samples=data["group_samples"],
                user=request.user,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "annotation/campaign_create.html", {"form": form})


@admin_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return render(
        request,
        "annotation/campaign_detail.html",
        {"campaign": campaign, "progress": selectors.campaign_progress(campaign)},
    )


@admin_required
@require_POST
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    try:
        services.campaign_status_set(campaign=campaign, status=request.POST.get("status", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("campaigns:detail", campaign_id=campaign.pk)
