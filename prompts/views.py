from __future__ import annotations

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from common.pagination import page_of
from common.roles import admin_required
from prompts import selectors, services
from prompts.forms import ImportForm, PromptSearchForm
from prompts.models import ImportJob, PendingUpload


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
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            fresh = data["file"]
            upload = _upload_of(fresh, form.pending)
            try:
                job = services.import_job_create(
                    prompt_set=data["prompt_set"],
                    new_set_name=data["new_set_name"],
                    fmt=data["format"],
                    upload=upload,
                    mapping=data["mapping"],
                    user=request.user,
                )
            except services.PromptImportFailed as exc:
                for problem in exc.problems:
                    form.add_error("file", str(problem))
                job = None
            finally:
                if upload is not fresh:
                    upload.close()
            if job is not None:
                if form.pending is not None:
                    services.pending_upload_discard(pending=form.pending)
                return redirect("prompts:import_job", job_id=job.pk)
        _upload_keep(request, form)
    else:
        form = ImportForm(initial={"prompt_set": request.GET.get("set")})
    return render(request, "prompts/import.html", {"form": form})


def _upload_of(fresh: UploadedFile | None, pending: PendingUpload | None) -> File:
    if fresh is not None:
        return fresh
    assert pending is not None
    return File(pending.file.open("rb"), name=pending.original_name)


def _upload_keep(request: HttpRequest, form: ImportForm) -> None:
    """After an error, keep a newly sent file that passed the file checks (size, not empty) for the
    retry: the person fixes the mapping or the set and sends the form again without choosing it."""
    if form.accepted_file is None:
        return
    if form.pending is not None:
        services.pending_upload_discard(pending=form.pending)
    form.accepted_file.seek(0)
    form.kept(services.pending_upload_keep(upload=form.accepted_file, user=request.user))


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
