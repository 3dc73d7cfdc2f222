"""Dashboards: results and agreement, per campaign and across campaigns, read from snapshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotation.models import Campaign, Item
from annotation.quality.selectors import item_final_values, judgements_counted, judges_competence
from common.errors import ApplicationError, form_error_add
from common.roles import admin_required, reviewer_required
from evaluation.figures import services
from evaluation.figures.forms import ExpertAnswersStartForm, FigureFilterForm
from evaluation.figures.selectors import FigureScope, figure_display_names, figures_for_reader
from evaluation.models import FigureSnapshot
from metrics.scores import majority_safe


def figures_page(
    request: HttpRequest,
    *,
    kind: str,
    campaign_id: int | None,
    template: str = "evaluation/figures/figures.html",
    extra: dict[str, Any] | None = None,
    extra_for: Callable[[FigureScope], dict[str, Any]] | None = None,
) -> HttpResponse:
    """A page of snapshot figures with the dashboards' filters (model judges use it too);
    ``extra_for`` adds what the page reads beside the snapshot for the chosen scope."""
    campaign = get_object_or_404(Campaign, pk=campaign_id) if campaign_id is not None else None
    form = FigureFilterForm(request.GET or None, campaign=campaign)
    snapshot = services.figure_snapshot_request(kind=kind, scope=form.scope()) if not form.errors else None
    if extra_for is not None and not form.errors:
        extra = {**(extra or {}), **extra_for(form.scope())}
    context = {
        "kind": kind,
        "campaign": campaign,
        "form": form,
        "snapshot": snapshot,
        "figures": figures_for_reader(snapshot.payload) if snapshot else None,
        "names": figure_display_names(),
        "working": snapshot is not None
        and snapshot.status in (FigureSnapshot.Status.PENDING, FigureSnapshot.Status.RUNNING),
        **(extra or {}),
    }
    return render(request, f"{template}#figures" if request.htmx else template, context)


@reviewer_required
def results(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    return figures_page(request, kind=FigureSnapshot.Kind.RESULTS, campaign_id=campaign_id)


def _stored_competence(scope: FigureScope) -> dict[str, Any]:
    # Each judge's competence is the figure the worker stored for the quality page, read here from
    # the same rows: two computations over different judgements and rules showed "—" on one page
    # and 92–96% on the other for the same judges.
    return {"competence": judges_competence(scope.campaign_ids or None)}


@reviewer_required
def agreement(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    return figures_page(
        request, kind=FigureSnapshot.Kind.AGREEMENT, campaign_id=campaign_id, extra_for=_stored_competence
    )


@reviewer_required
@require_POST
def snapshot_recompute(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    services.figure_snapshot_recompute(snapshot=get_object_or_404(FigureSnapshot, pk=snapshot_id))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "evaluation:results"
    return redirect(back)


@reviewer_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """One item with every judgement of it (reviewers open it from the lowest-agreement list)."""
    item = get_object_or_404(Item.objects.select_related("campaign", "prompt", "model", "domain"), pk=item_id)
    judgements = item.judgements.select_related(
        "user__annotator_profile", "scenario", "best_response"
    ).order_by("created_at")
    responses = [ir.response for ir in item.item_responses.select_related("response")]
    votes = list(
        judgements_counted([item.campaign_id])
        .filter(item=item, safe__isnull=False)
        .values_list("safe", flat=True)
    )
    return render(
        request,
        "evaluation/figures/item_detail.html",
        {
            "item": item,
            "campaign": item.campaign,
            "judgements": judgements,
            "responses": responses,
            "majority": majority_safe(votes),
            # A 1–1 split is no majority: the page says it tied, and how the tie was decided.
            "tie": bool(votes) and 2 * sum(votes) == len(votes),
            "final": item_final_values([item.campaign_id], item_ids=[item.pk]).get(item.pk),
        },
    )


@admin_required
def expert_answers_start(request: HttpRequest) -> HttpResponse:
    """Start an expert-answers campaign on the prompts a model answered worst, per domain."""
    form = ExpertAnswersStartForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.expert_answers_campaign_start(
                name=data["name"],
                model=data["model"],
                n=data["n"],
                user=request.user,
                campaign_ids=tuple(c.pk for c in data.get("campaigns") or ()),
                prompt_set=data.get("prompt_set"),
                instructions=data.get("instructions") or "",
            )
        except ApplicationError as refused:
            form_error_add(form, refused)
        else:
            messages.success(
                request,
                _("The campaign is in draft, with %(n)s prompts to answer: open it when it is ready.")
                % {"n": campaign.given_prompts.count()},
            )
            return redirect("authoring:campaign_detail", campaign_id=campaign.pk)
    return render(request, "evaluation/figures/expert_answers_start.html", {"form": form})
