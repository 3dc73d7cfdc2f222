"""Pages of the multi-choice test: runs, their scores, the Need_Check review queue, the CValues
export and the human scores beside the automatic ones. Reviewers and admins only."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import ApplicationError, form_error_add
from common.pagination import page_of
from common.roles import admin_required, reviewer_required, user_is_admin
from evaluation.figures.selectors import FigureScope
from evaluation.figures.services import figure_snapshot_request
from evaluation.models import FigureSnapshot, MultiChoiceRun
from evaluation.multichoice import selectors, services
from evaluation.multichoice.forms import MultiChoiceReviewForm, MultiChoiceRunForm
from metrics.multichoice import REVIEW_CHOICES
from models_registry.models import RegisteredModel
from models_registry.selectors import run_progress


def _run(run_id: int) -> MultiChoiceRun:
    return get_object_or_404(
        MultiChoiceRun.objects.select_related("item_set", "domain", "generation_run"), pk=run_id
    )


@reviewer_required
def run_list(request: HttpRequest) -> HttpResponse:
    runs = MultiChoiceRun.objects.select_related("item_set", "domain", "generation_run").prefetch_related(
        "generation_run__target_models"
    )
    form = MultiChoiceRunForm() if user_is_admin(request.user) else None
    return render(
        request, "evaluation/multichoice/mc_run_list.html", {"page": page_of(request, runs), "form": form}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def run_create(request: HttpRequest) -> HttpResponse:
    form = MultiChoiceRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.multichoice_run_start(
                name=data["name"],
                item_set=data["item_set"],
                models=data["target_models"],
                variant=data["variant"],
                domain=data["domain"],
                user=request.user,
            )
        except ApplicationError as rejected:
            form_error_add(form, rejected)
        else:
            return redirect("evaluation:mc_run", run_id=run.pk)
    return render(request, "evaluation/multichoice/mc_run_create.html", {"form": form})


@reviewer_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    context = {
        "run": run,
        "results": selectors.multichoice_run_results(run=run),
        "progress": run_progress(run.generation_run),
        "is_admin": user_is_admin(request.user),
    }
    if request.htmx:
        response = render(request, "evaluation/multichoice/mc_run_detail.html#results", context)
        if run.generation_run.status != run.generation_run.Status.RUNNING:
            # 286 tells htmx to stop polling.
            response.status_code = 286
        return response
    return render(request, "evaluation/multichoice/mc_run_detail.html", context)


REVIEW_PAGE_SIZE = 50


@reviewer_required
def review_queue(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    # The queue changes as people set answers: pages are numbered over the answers to check now.
    total = len(selectors.multichoice_review_checks(run=run))
    page = Paginator(range(total), REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    entries, open_count = selectors.multichoice_review_queue(
        run=run, limit=REVIEW_PAGE_SIZE, offset=max(page.start_index() - 1, 0)
    )
    return render(
        request,
        "evaluation/multichoice/mc_review.html",
        {
            "run": run,
            "entries": entries,
            "page": page,
            "open_count": open_count,
            "results": selectors.multichoice_run_results(run=run),
            "choices": REVIEW_CHOICES,
        },
    )


@reviewer_required
@require_POST
def review_set(request: HttpRequest, run_id: int, response_id: int) -> HttpResponse:
    run = _run(run_id)
    entry = selectors.multichoice_review_entry(run=run, response_id=response_id)
    if entry is None:
        raise Http404(_("No such answer in this run."))
    form = MultiChoiceReviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose 回复1, 回复2, Other or Refuse."), status=400)
    services.multichoice_review_set(
        run=run, response=entry.response, pred=form.cleaned_data["pred"], user=request.user
    )
    if not request.htmx:
        return redirect("evaluation:mc_review", run_id=run.pk)
    entry = selectors.multichoice_review_entry(run=run, response_id=response_id)
    _entries, open_count = selectors.multichoice_review_queue(run=run, limit=0)
    return render(
        request,
        "evaluation/multichoice/mc_review_set.html",
        {
            "run": run,
            "entry": entry,
            "open_count": open_count,
            "results": selectors.multichoice_run_results(run=run),
            "choices": REVIEW_CHOICES,
        },
    )


@admin_required
def run_export(request: HttpRequest, run_id: int, model_name: str) -> StreamingHttpResponse:
    run = _run(run_id)
    model = get_object_or_404(RegisteredModel, name=model_name, runs=run.generation_run)

    def lines() -> Iterator[str]:
        for record in selectors.multichoice_export_records(run=run, model=model):
            yield json.dumps(record, ensure_ascii=False) + "\n"

    response = StreamingHttpResponse(lines(), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="multichoice-{run.pk}-{model.name}.jsonl"'
    return response


@reviewer_required
def human_vs_automatic(request: HttpRequest) -> HttpResponse:
    # The human side comes from the results snapshot across all campaigns, computed by a worker.
    snapshot = figure_snapshot_request(kind=FigureSnapshot.Kind.RESULTS, scope=FigureScope())
    report = (
        selectors.multichoice_human_vs_automatic(human=snapshot.payload)
        if snapshot.payload is not None
        else None
    )
    return render(
        request, "evaluation/multichoice/mc_human_vs_automatic.html", {"report": report, "snapshot": snapshot}
    )
