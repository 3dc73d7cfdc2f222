from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from authoring.models import AuthoringCampaign
from common.roles import reviewer_required
from evaluation.attacks import selectors
from evaluation.figures.selectors import FigureScope, figure_display_names
from evaluation.figures.services import figure_snapshot_request
from evaluation.models import FigureSnapshot


def _attack_snapshot(campaign: AuthoringCampaign) -> dict[str, Any]:
    """The attack figures of the campaign's judging campaigns (requested, computed on a worker), as
    the page's context: none while no safety campaign judges its attacks."""
    judging = (
        selectors.judging_campaign_ids(campaign=campaign)
        if campaign.kind == AuthoringCampaign.Kind.ATTACK
        else []
    )
    snapshot = (
        figure_snapshot_request(
            kind=FigureSnapshot.Kind.ATTACKS, scope=FigureScope(campaign_ids=tuple(judging))
        )
        if judging
        else None
    )
    return {
        "judging": judging,
        "snapshot": snapshot,
        "figures": snapshot.payload if snapshot else None,
        "working": snapshot is not None
        and snapshot.status in (FigureSnapshot.Status.PENDING, FigureSnapshot.Status.RUNNING),
    }


def _figures_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"{template}#figures" if request.htmx else template, context)


@reviewer_required
def attack_results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """An attack campaign's results: attack success per target model and scenario, and the authors'
    labels against the judges (per author: authoring_authors)."""
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id, kind=AuthoringCampaign.Kind.ATTACK)
    context = {"campaign": campaign, "names": figure_display_names(), **_attack_snapshot(campaign)}
    return _figures_page(request, "evaluation/attacks/results.html", context)


@reviewer_required
def authoring_authors(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Per author of an authoring campaign, for reviewers and admins only: submitted, accepted,
    rejected, waiting; for an attack campaign also attack success and label agreement."""
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id)
    context = {"campaign": campaign, **_attack_snapshot(campaign)}
    context["authors"] = selectors.author_rows(campaign=campaign, figures=context["figures"])
    return _figures_page(request, "evaluation/attacks/authors.html", context)
