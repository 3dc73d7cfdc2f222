from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from config.pagination import page_of
from config.roles import admin_required
from prompts import selectors, services
from prompts.forms import ImportForm, PromptSearchForm
from prompts.models import ImportJob


@admin_required
def prompt_set_list(request: HttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.select_related("prompt_set")[:20]
    return render(
        request,
        "prompts/prompt_set_list.html",
        {"page": page_of(request, selectors.prompt_set_list()), "jobs": jobs},
    )


@admin_required
def prompt_browse(request: HttpRequest) -> HttpResponse:
    form = PromptSearchForm(request.GET)
    page = page_of(request, selectors.prompts_search(**form.filters()))
    return render(request, "prompts/prompt_browse.html", {"form": form, "page": page})


@admin_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = services.import_job_create(
                    prompt_set=data["prompt_set"],
                    new_set_name=data["new_set_name"],
                    fmt=data["format"],
                    upload=data["file"],
                    mapping=data["mapping"],
                    user=request.user,
                )
            except services.PromptImportFailed as exc:
                for problem in exc.problems:
                    form.add_error("file", str(problem))
            else:
                return redirect("prompts:import_job", job_id=job.pk)
    else:
        form = ImportForm(initial={"prompt_set": request.GET.get("set")})
    return render(request, "prompts/import.html", {"form": form})


@admin_required
def import_job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("prompt_set"), pk=job_id)
    if request.htmx:
        response = render(request, "prompts/import_job.html#status", {"job": job})
        if job.is_finished:
            # 286 tells htmx to stop polling.
            response.status_code = 286
        return response
    return render(request, "prompts/import_job.html", {"job": job})
