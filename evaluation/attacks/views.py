from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from authoring.models import AuthoringCampaign
from common.roles import reviewer_required
from evaluation.attacks import selectors
from evaluation.figures.selectors import FigureScope, figure_display_names
from evaluation.figures.services import figure_snapshot_request
from evaluation.models import FigureSnapshot


@reviewer_required
def attack_results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """An attack campaign's results: attack success per target model and scenario, the authors'
    labels against the judges, and per-author figures (reviewers and admins only)."""
    campaign = get_object_or_404(AuthoringCampaign, pk=campaign_id, kind=AuthoringCampaign.Kind.ATTACK)
    judging = selectors.judging_campaign_ids(campaign=campaign)
    snapshot = (
        figure_snapshot_request(
            kind=FigureSnapshot.Kind.ATTACKS, scope=FigureScope(campaign_ids=tuple(judging))
        )
        if judging
        else None
    )
    figures = snapshot.payload if snapshot else None
    context = {
        "campaign": campaign,
        "judging": judging,
        "snapshot": snapshot,
        "figures": figures,
        "authors": selectors.author_rows(campaign=campaign, figures=figures),
        "names": figure_display_names(),
        "working": snapshot is not None
        and snapshot.status in (FigureSnapshot.Status.PENDING, FigureSnapshot.Status.RUNNING),
    }
    template = "evaluation/attacks/results.html"
    return render(request, f"{template}#figures" if request.htmx else template, context)
