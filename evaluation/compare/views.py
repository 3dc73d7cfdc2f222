"""The paired comparison page and its CSV of paired rows: reviewers and admins, as the results."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.roles import reviewer_required
from evaluation.compare.forms import CompareForm
from evaluation.compare.selectors import flips_for_page
from evaluation.figures.selectors import figure_display_names
from evaluation.figures.services import figure_snapshot_request
from evaluation.models import FigureSnapshot

TEMPLATE = "evaluation/compare/compare.html"
CSV_COLUMNS = [
    "section",
    "prompt_id",
    "group",
    "response_a",
    "response_b",
    "item_a",
    "item_b",
    "result_a",
    "result_b",
    "flipped",
    "change",
]


def compare_snapshot(form: CompareForm) -> FigureSnapshot | None:
    """The comparison's snapshot, requested from a worker; none until two models are chosen."""
    if not form.is_bound or not form.is_valid():
        return None
    return figure_snapshot_request(kind=FigureSnapshot.Kind.PAIRED, scope=form.scope())


@reviewer_required
def compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.GET or None)
    snapshot = compare_snapshot(form)
    figures = snapshot.payload if snapshot else None
    context = {
        "form": form,
        "snapshot": snapshot,
        "figures": figures,
        "flips": flips_for_page(figures),
        "names": figure_display_names(),
        "working": snapshot is not None
        and snapshot.status in (FigureSnapshot.Status.PENDING, FigureSnapshot.Status.RUNNING),
    }
    return render(request, f"{TEMPLATE}#figures" if request.htmx else TEMPLATE, context)


@reviewer_required
def compare_export(request: HttpRequest) -> HttpResponse:
    """One row per prompt both models answered, from the same snapshot as the page."""
    form = CompareForm(request.GET or None)
    snapshot = compare_snapshot(form)
    if snapshot is None or snapshot.payload is None:
        raise Http404(_("This comparison is not computed yet: open its page and wait for the figures."))
    a, b = snapshot.scope["model_ids"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="paired-{a}-{b}.csv"'
    # A byte-order mark, as the other CSV downloads: Excel reads the file as UTF-8.
    response.write("\ufeff")
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(snapshot.payload["rows"])
    return response
