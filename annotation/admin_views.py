"""Admin pages for campaigns: create from responses, open / pause / close, progress per annotator."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from annotation import crowd, selectors, services
from annotation.forms import CampaignForm, CrowdLinkForm, CrowdReportForm
from annotation.inputs import CampaignInput
from annotation.models import Campaign, CrowdLink, Judging
from annotation.protocol.selectors import (
    audit_entry_summary,
    campaign_audit_log,
    campaign_audit_verify,
    campaign_protocol_items,
    campaign_protocol_of,
)
from authoring.models import AuthoringCampaign
from common.errors import ApplicationError, form_error_add
from common.pagination import page_of
from common.roles import admin_required
from models_registry.models import GenerationRun


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
        try:
            campaign = services.campaign_create_from_input(data=form.campaign_input(), user=request.user)
        except ApplicationError as refused:
            form_error_add(form, refused)
        else:
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "annotation/campaign_create.html", {"form": form})


@admin_required
def campaign_preview(request: HttpRequest) -> HttpResponse:
    """While the admin fills in the form: how many items these filters would make."""
    form = CampaignForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    count = None
    if all(
        key in data for key in ("runs", "target_models", "level", "domain", "scenario", "kind", "follow_run")
    ):
        wanted = CampaignInput.of({**data, "name": ""})
        if wanted.judging_mode == Judging.PAIRWISE:
            count = selectors.campaign_pair_count(
                responses=wanted.responses(),
                kind=data["kind"],
                model_ids=[m.pk for m in wanted.target_models],
                plan=wanted.pair_plan,
                reference_id=wanted.pair_reference.pk if wanted.pair_reference else None,
            )
        else:
            count = selectors.campaign_item_count(
                responses=wanted.responses(),
                kind=data["kind"],
                group_samples=data.get("group_samples", False),
            )
    follows = data.get("follow_run")
    # A run still answering adds items later: none yet is no reason to stop.
    answering = follows is not None and follows.status in (
        GenerationRun.Status.RUNNING,
        GenerationRun.Status.PREPARING,
    )
    return render(request, "annotation/_campaign_preview.html", {"count": count, "answering": answering})


@admin_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return render(request, "annotation/campaign_detail.html", _detail_context(request, campaign))


def _crowd_links_shown(request: HttpRequest, links: Iterable[CrowdLink]) -> list[tuple[CrowdLink, str]]:
    return [(link, request.build_absolute_uri(reverse("crowd:enter", args=[link.token]))) for link in links]


def _detail_context(request: HttpRequest, campaign: Campaign, **extra: object) -> dict[str, object]:
    return {
        "campaign": campaign,
        "status_actions": _status_actions(campaign),
        "progress": selectors.campaign_progress(campaign),
        "crowd_links": _crowd_links_shown(request, campaign.crowd_links.all()),
        "crowd_parameters": crowd.PLATFORM_PARAMETERS,
        "crowd_form": CrowdLinkForm() if campaign.kind == Campaign.Kind.SAFETY else None,
        "crowd_refusal": _("Crowd platforms can enter safety campaigns only."),
        "crowd_create_url": reverse("campaigns:crowd_link_create", args=[campaign.pk]),
        "crowd_report_url": reverse("campaigns:crowd_report", args=[campaign.pk]),
        "report_form": CrowdReportForm(),
        **_protocol_context(request, campaign),
        **extra,
    }


# The log is read newest first, a page at a time; the chain check reads it whole (once per view).
AUDIT_PAGE_SIZE = 20


def _protocol_context(request: HttpRequest, campaign: Campaign) -> dict[str, object]:
    protocol = campaign_protocol_of(campaign=campaign)
    if protocol is None:
        return {"protocol": None}
    page = page_of(request, campaign_audit_log(campaign=campaign).order_by("-seq"), per_page=AUDIT_PAGE_SIZE)
    return {
        "protocol": protocol,
        "audit_verdict": campaign_audit_verify(campaign=campaign),
        "page": page,
        "audit_rows": [(entry, audit_entry_summary(entry)) for entry in page],
    }


@admin_required
def campaign_protocol_download(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The frozen protocol, byte for byte as hashed: its SHA-256 is the hash the page shows."""
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    protocol = campaign_protocol_of(campaign=campaign)
    if protocol is None:
        return HttpResponse(
            _("This campaign has not been opened: its protocol is not frozen yet."), status=404
        )
    response = HttpResponse(
        protocol.canonical.encode("utf-8"), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-protocol.json"'
    return response


@admin_required
def campaign_protocol_items_download(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The frozen item list, streamed as hashed: its SHA-256 is the protocol's ``items.sha256``."""
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if campaign_protocol_of(campaign=campaign) is None:
        return HttpResponse(
            _("This campaign has not been opened: its protocol is not frozen yet."), status=404
        )
    response = StreamingHttpResponse(
        (lines.encode("utf-8") for lines in campaign_protocol_items(campaign=campaign)),
        content_type="application/x-ndjson; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-protocol-items.jsonl"'
    return response


def _status_actions(campaign: Campaign) -> list[str]:
    """The statuses the page offers to move to, in the order a campaign lives them. A draft is
    only opened: pausing or closing what never opened is no step anyone takes from this page."""
    allowed = services.CAMPAIGN_STATUS_NEXT[Campaign.Status(campaign.status)]
    if campaign.status == Campaign.Status.DRAFT:
        allowed = {Campaign.Status.OPEN}
    return [status for status in Campaign.Status.values if status in allowed]


STATUS_SET_MESSAGES = {
    Campaign.Status.OPEN: gettext_lazy("The campaign is open: judges can take its items."),
    Campaign.Status.PAUSED: gettext_lazy(
        "The campaign is paused: judges get no new item until it opens again."
    ),
    Campaign.Status.CLOSED: gettext_lazy(
        "The campaign is closed: no one judges it any more; its results stay."
    ),
}


@admin_required
@require_POST
def crowd_link_create(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = CrowdLinkForm(request.POST)
    if _crowd_link_made(request, form, campaign=campaign):
        return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(
        request,
        "annotation/campaign_detail.html",
        _detail_context(request, campaign, crowd_form=form),
        status=400,
    )


def _crowd_link_made(request: HttpRequest, form: CrowdLinkForm, **campaign: object) -> bool:
    """The link the admin asked for, made; or the form carries the reason it was not."""
    if not form.is_valid():
        return False
    try:
        crowd.crowd_link_create(**campaign, **form.cleaned_data)
    except ValueError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, _("The entry link is ready: give it to the platform."))
    return True


def _csv_download(
    rows: Iterable[dict[str, object]], columns: list[str], filename: str
) -> StreamingHttpResponse:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        # The byte-order mark lets Excel read the file as UTF-8 (ids and names may be Chinese).
        buffer.write("\ufeff")
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        for row in itertools.chain([None], rows):
            if row is not None:
                writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin_required
def crowd_report(request: HttpRequest, campaign_id: int) -> StreamingHttpResponse:
    """Per participant: items, active time, gold accuracy and suggested pay, as CSV."""
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = CrowdReportForm(request.GET)
    rate = form.cleaned_data["hourly_rate"] if form.is_valid() else None
    rows = crowd.crowd_report_rows(campaign=campaign, hourly_rate=rate)
    return _csv_download(rows, crowd.REPORT_COLUMNS, f"crowd-report-campaign-{campaign.pk}.csv")


# ---------------------------------------------------------------- authoring campaigns' crowd links
# authoring comes before annotation and knows nothing of crowd platforms: its campaign page loads
# this section (htmx), and these views make its links and its report.


@admin_required
@require_http_methods(["GET", "POST"])
def authoring_crowd_links(request: HttpRequest, authoring_campaign_id: int) -> HttpResponse:
    """An authoring campaign's crowd links and the form for a new one: a section of the campaign's
    page (htmx), or a page of its own (without JavaScript, and when the form is refused)."""
    campaign = get_object_or_404(AuthoringCampaign, pk=authoring_campaign_id)
    form = CrowdLinkForm(request.POST or None, authoring_campaign=campaign)
    if request.method == "POST" and _crowd_link_made(request, form, authoring_campaign=campaign):
        return redirect("authoring:campaign_detail", campaign_id=campaign.pk)
    context = {
        "campaign": campaign,
        "authoring": True,
        "crowd_links": _crowd_links_shown(request, campaign.crowd_links.all()),
        "crowd_form": form,
        "crowd_create_url": reverse("campaigns:authoring_crowd_links", args=[campaign.pk]),
        "crowd_report_url": reverse("campaigns:authoring_crowd_report", args=[campaign.pk]),
    }
    template = "annotation/_crowd_links.html" if request.htmx else "annotation/authoring_crowd_links.html"
    return render(request, template, context, status=400 if form.errors else 200)


@admin_required
def authoring_crowd_report(request: HttpRequest, authoring_campaign_id: int) -> StreamingHttpResponse:
    """Per participant: prompts accepted, rejected and waiting, and pay per accepted prompt, as CSV."""
    campaign = get_object_or_404(AuthoringCampaign, pk=authoring_campaign_id)
    rows = crowd.crowd_authoring_report_rows(campaign=campaign)
    return _csv_download(rows, crowd.AUTHORING_REPORT_COLUMNS, f"crowd-report-authoring-{campaign.pk}.csv")


@admin_required
@require_POST
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    status = request.POST.get("status", "")
    try:
        services.campaign_status_set(campaign=campaign, status=status, by=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(STATUS_SET_MESSAGES[Campaign.Status(status)]))
    return redirect("campaigns:detail", campaign_id=campaign.pk)
