from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import ApplicationError, form_error_add
from common.pagination import page_of
from common.roles import admin_required
from models_registry import selectors, services
from models_registry.forms import GenerationRunForm, RegisteredModelForm
from models_registry.models import GenerationRun, RegisteredModel, Response


@admin_required
def model_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "models_registry/model_list.html", {"page": page_of(request, selectors.model_list())}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def model_create(request: HttpRequest) -> HttpResponse:
    return _model_form(request, None)


@admin_required
@require_http_methods(["GET", "POST"])
def model_edit(request: HttpRequest, model_id: int) -> HttpResponse:
    return _model_form(request, get_object_or_404(RegisteredModel, pk=model_id))


def _model_form(request: HttpRequest, model: RegisteredModel | None) -> HttpResponse:
    form = RegisteredModelForm(request.POST or None, instance=model)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        name = model.name if model else data.pop("name")
        data.pop("name", None)
        saved = services.model_register(name=name, **data)
        messages.success(request, _("Saved %(model)s.") % {"model": saved})
        return redirect("models_registry:model_list")
    return render(request, "models_registry/model_form.html", {"form": form, "model": model})


@admin_required
@require_POST
def model_test(request: HttpRequest, model_id: int) -> HttpResponse:
    check = services.model_connection_check(model=get_object_or_404(RegisteredModel, pk=model_id))
    return render(request, "models_registry/_test_result.html", {"ok": check.ok, "message": check.message})


@admin_required
def run_list(request: HttpRequest) -> HttpResponse:
    return render(request, "models_registry/run_list.html", {"page": page_of(request, selectors.run_list())})


@admin_required
@require_http_methods(["GET", "POST"])
def run_create(request: HttpRequest) -> HttpResponse:
    form = GenerationRunForm(request.POST or None, initial={"prompt_set": request.GET.get("set")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.generation_run_start(
                name=data["name"],
                prompt_set=data["prompt_set"],
                models=data["target_models"],
                level=data["level"] or "",
                domain=data["domain"],
                scenario=data["scenario"],
                samples_per_prompt=data["samples_per_prompt"],
                user=request.user,
            )
        except ApplicationError as rejected:
            form_error_add(form, rejected)
        else:
            return redirect("models_registry:run_detail", run_id=run.pk)
    return render(request, "models_registry/run_create.html", {"form": form})


@admin_required
def run_prompt_count(request: HttpRequest) -> HttpResponse:
    """While the admin fills in the run form: how many prompts match, and how many answers that makes."""
    form = GenerationRunForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    context: dict[str, object] = {"prompts": None}
    if data.get("prompt_set"):
        prompts = selectors.prompts_for_run(
            prompt_set=data["prompt_set"],
            level=data.get("level") or "",
            domain_id=data["domain"].pk if data.get("domain") else None,
            scenario_id=data["scenario"].pk if data.get("scenario") else None,
        ).count()
        models = list(data.get("target_models") or [])
        samples = data.get("samples_per_prompt")
        context = {
            "prompts": prompts,
            "models": len(models),
            "generations": prompts * sum(samples or m.samples_per_prompt for m in models),
        }
    return render(request, "models_registry/_run_prompt_count.html", context)


@admin_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(
        GenerationRun.objects.select_related("prompt_set", "domain", "scenario"), pk=run_id
    )
    context = {"run": run, "progress": selectors.run_progress(run)}
    if request.htmx:
        response = render(request, "models_registry/run_detail.html#progress", context)
        if run.status != GenerationRun.Status.RUNNING:
            response.status_code = 286
        return response
    responses = (
        Response.objects.filter(runs=run).select_related("prompt", "model").order_by("-finished_at", "-id")
    )
    status = request.GET.get("status")
    if status in Response.Status.values:
        responses = responses.filter(status=status)
    context["page"] = page_of(request, responses, per_page=25)
    context["status_filter"] = status
    return render(request, "models_registry/run_detail.html", context)


@admin_required
@require_POST
def run_action(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    run = get_object_or_404(GenerationRun, pk=run_id)
    if action == "cancel":
        count = services.generation_run_cancel(run=run)
        messages.info(
            request,
            ngettext(
                "Run cancelled: %(count)d waiting generation will not be fetched.",
                "Run cancelled: %(count)d waiting generations will not be fetched.",
                count,
            )
            % {"count": count},
        )
    elif action == "resume":
        count = services.generation_run_resume(run=run)
        messages.info(
            request,
            ngettext(
                "Run resumed: %(count)d generation queued.",
                "Run resumed: %(count)d generations queued.",
                count,
            )
            % {"count": count},
        )
    elif action == "retry-failed":
        count = services.generation_run_retry_failed(run=run)
        messages.info(
            request,
            ngettext(
                "%(count)d failed generation queued again.",
                "%(count)d failed generations queued again.",
                count,
            )
            % {"count": count},
        )
    else:
        raise PermissionDenied(_("Unknown action."))
    return redirect("models_registry:run_detail", run_id=run.pk)
