"""The rankings page and its CSV: reviewers and admins, as the results."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.roles import reviewer_required
from evaluation.figures.selectors import figure_display_names
from evaluation.figures.services import figure_snapshot_request
from evaluation.models import FigureSnapshot
from evaluation.rankings.forms import RankingsForm
from evaluation.rankings.selectors import ranking_table_rows, win_matrix_for_page

TEMPLATE = "evaluation/rankings/rankings.html"
CSV_COLUMNS = [
    "group",
    "rank",
    "model",
    "rating",
    "rating_low",
    "rating_high",
    "score",
    "ci_low",
    "ci_high",
    "votes",
    "too_few",
]


def rankings_snapshot(form: RankingsForm) -> FigureSnapshot | None:
    """The ranking's snapshot, requested from a worker."""
    if not form.is_valid():
        return None
    return figure_snapshot_request(kind=FigureSnapshot.Kind.RANKINGS, scope=form.scope())


@reviewer_required
def rankings(request: HttpRequest) -> HttpResponse:
    form = RankingsForm(request.GET)
    snapshot = rankings_snapshot(form)
    figures = snapshot.payload if snapshot else None
    names = figure_display_names()
    context = {
        "form": form,
        "snapshot": snapshot,
        "figures": figures,
        "names": names,
        "matrix": win_matrix_for_page(figures, names=names["model"]),
        "working": snapshot is not None
        and snapshot.status in (FigureSnapshot.Status.PENDING, FigureSnapshot.Status.RUNNING),
    }
    return render(request, f"{TEMPLATE}#figures" if request.htmx else TEMPLATE, context)


@reviewer_required
def rankings_export(request: HttpRequest) -> HttpResponse:
    """One row per model and group (overall first), from the same snapshot as the page."""
    snapshot = rankings_snapshot(RankingsForm(request.GET))
    if snapshot is None or snapshot.payload is None:
        raise Http404(_("This ranking is not computed yet: open its page and wait for the figures."))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rankings.csv"'
    # A byte-order mark, as the other CSV downloads: Excel reads the file as UTF-8.
    response.write("\ufeff")
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(ranking_table_rows(snapshot.payload))
    return response
