"""Export pages (admins only): start an export, watch its progress, download the zip."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.pagination import page_of
from common.roles import admin_required
from evaluation.exports import services as export_services
from evaluation.exports.forms import ExportForm
from evaluation.models import Export


@admin_required
@require_http_methods(["GET", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = export_services.export_create(
                kind=form.cleaned_data["kind"],
                fmt=form.cleaned_data["format"],
                scope=form.scope(),
                user=request.user,
                csv_bom=form.cleaned_data["csv_bom"],
            )
        except export_services.ExportRefused as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("evaluation:export", export_id=export.pk)
    page = page_of(request, Export.objects.select_related("created_by"))
    return render(request, "evaluation/exports/export_list.html", {"form": form, "page": page})


@admin_required
def export_detail(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_object_or_404(Export, pk=export_id)
    if request.htmx:
        response = render(request, "evaluation/exports/export_detail.html#status", {"export": export})
        if export.is_finished:
            # 286 tells htmx to stop polling.
            response.status_code = 286
        return response
    return render(request, "evaluation/exports/export_detail.html", {"export": export})


@admin_required
def export_download(request: HttpRequest, export_id: int) -> FileResponse:
    return export_file_response(get_object_or_404(Export, pk=export_id, status=Export.Status.READY))


def export_file_response(export: Export) -> FileResponse:
    """The zip of a ready export as a download (the page and the API both serve it)."""
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The export file is gone.")) from missing
    return FileResponse(handle, as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1])
