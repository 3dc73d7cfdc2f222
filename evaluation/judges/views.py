"""Pages of model judges: judge runs and their Need_Check queue, the judging templates and their
versions, and the judge-vs-people figures. Reviewers read; admins start runs and edit templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from annotation.models import Campaign
from common.errors import ApplicationError, form_error_add
from common.roles import admin_required, reviewer_required, user_is_admin
from evaluation.figures.views import figures_page
from evaluation.judges import selectors, services
from evaluation.judges.forms import (
    CampaignPpiJudgeForm,
    CampaignSuggestionsForm,
    CampaignTriageForm,
    JudgeRunForm,
    JudgeTemplateCreateForm,
    JudgeTemplateForm,
    MachineJudgementReviewForm,
)
from evaluation.models import CampaignJudging, FigureSnapshot, JudgeRun, JudgeTemplate, MachineJudgement


def _run(run_id: int) -> JudgeRun:
    return get_object_or_404(
        JudgeRun.objects.select_related("campaign", "template", "generation_run"), pk=run_id
    )


@reviewer_required
def run_list(request: HttpRequest) -> HttpResponse:
    runs = JudgeRun.objects.select_related("campaign", "template", "generation_run").prefetch_related(
        "generation_run__target_models"
    )[:100]
    context = {
        "runs": runs,
        "templates": JudgeTemplate.objects.all(),
        "form": JudgeRunForm() if user_is_admin(request.user) else None,
    }
    return render(request, "evaluation/judges/run_list.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def run_create(request: HttpRequest) -> HttpResponse:
    form = JudgeRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.judge_run_start(
                name=data["name"],
                campaign=data["campaign"],
                models=data["judge_models"],
                template=data["template"],
                domain=data["domain"],
                scenario=data["scenario"],
                user=request.user,
            )
        except ApplicationError as rejected:
            form_error_add(form, rejected)
        else:
            return redirect("evaluation:judge_run", run_id=run.pk)
    return render(request, "evaluation/judges/run_create.html", {"form": form})


@reviewer_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    queue, open_count = selectors.machine_judgement_queue(run=run)
    context = {
        "run": run,
        "progress": selectors.judge_run_progress(run=run),
        "queue": queue,
        "open_count": open_count,
        # One form per answer on the page: no ids (they would repeat), each field inside its label.
        "review_form": MachineJudgementReviewForm(auto_id=False),
        "is_admin": user_is_admin(request.user),
    }
    if request.htmx:
        response = render(request, "evaluation/judges/run_detail.html#progress", context)
        if context["progress"].finished:
            response.status_code = 286  # htmx stops polling
        return response
    return render(request, "evaluation/judges/run_detail.html", context)


@reviewer_required
@require_POST
def review_set(request: HttpRequest, run_id: int, judgement_id: int) -> HttpResponse:
    run = _run(run_id)
    judgement = selectors.machine_judgements_of(run=run).filter(pk=judgement_id).first()
    if judgement is None:
        raise Http404(_("No such machine judgement in this run."))
    form = MachineJudgementReviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Give a verdict or a score."), status=400)
    try:
        services.machine_judgement_review_set(judgement=judgement, user=request.user, **form.cleaned_data)
    except ApplicationError as rejected:
        return HttpResponse(rejected.message, status=400)
    return redirect("evaluation:judge_run", run_id=run.pk)


@admin_required
@require_POST
def campaign_suggestions(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = CampaignSuggestionsForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Check the suggestion settings."), status=400)
    data = form.cleaned_data
    try:
        judging = services.campaign_suggestions_set(
            campaign=campaign,
            model=data["suggestion_model"],
            template=data["template"],
            share=data["share"],
            by=request.user,
        )
    except ApplicationError as rejected:
        messages.error(request, rejected.message)
    else:
        messages.success(request, _("Suggestions shown on %(n)d items.") % {"n": judging.suggested_items})
    return redirect("evaluation:campaign_judges", campaign_id=campaign.pk)


@admin_required
@require_POST
def campaign_triage(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = CampaignTriageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Check the triage settings."), status=400)
    data = form.cleaned_data
    try:
        judging = services.campaign_triage_apply(
            campaign=campaign,
            models=list(data["triage_models"]),
            template=data["template"],
            judges_needed=data["judges_needed"],
            tolerance=data["tolerance"],
            by=request.user,
        )
    except ApplicationError as rejected:
        messages.error(request, rejected.message)
    else:
        messages.success(request, _("%(n)d items now need fewer people.") % {"n": judging.triaged_items})
    return redirect("evaluation:campaign_judges", campaign_id=campaign.pk)


@admin_required
@require_POST
def campaign_ppi_judge(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = CampaignPpiJudgeForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return HttpResponse(_("Choose a judge run and a judge model from the lists."), status=400)
    try:
        services.campaign_ppi_judge_set(
            campaign=campaign,
            run=form.cleaned_data["ppi_run"],
            model=form.cleaned_data["ppi_model"],
            by=request.user,
        )
    except ApplicationError as rejected:
        messages.error(request, rejected.message)
    else:
        messages.success(request, _("The prediction-powered scores will use these judge labels."))
    return redirect("evaluation:campaign_judges", campaign_id=campaign.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    form = JudgeTemplateCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.judge_template_create(user=request.user, **form.cleaned_data)
        except ApplicationError as rejected:
            form_error_add(form, rejected)
        else:
            return redirect("evaluation:judge_template", template_id=template.pk)
    return render(request, "evaluation/judges/template_create.html", {"form": form})


@reviewer_required
@require_http_methods(["GET", "POST"])
def template_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    """One version of a template; saving adds the next version (admins)."""
    template = get_object_or_404(JudgeTemplate, pk=template_id)
    is_admin = user_is_admin(request.user)
    form = JudgeTemplateForm(request.POST or None, initial={"text": template.text})
    if request.method == "POST":
        if not is_admin:
            return HttpResponse(_("Only admins edit templates."), status=403)
        if form.is_valid():
            version = services.judge_template_edit(
                template=template, text=form.cleaned_data["text"], user=request.user
            )
            return redirect("evaluation:judge_template", template_id=version.pk)
    context = {
        "template": template,
        "versions": JudgeTemplate.objects.filter(name=template.name),
        "form": form if is_admin else None,
        "machine_judgements": MachineJudgement.objects.filter(template=template).count(),
    }
    return render(request, "evaluation/judges/template_detail.html", context)


@reviewer_required
def figures(request: HttpRequest, campaign_id: int | None = None) -> HttpResponse:
    extra = {}
    if campaign_id is not None and user_is_admin(request.user):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        chosen = CampaignJudging.objects.filter(campaign=campaign).first()
        extra = {
            "suggestions_form": CampaignSuggestionsForm(),
            "triage_form": CampaignTriageForm(),
            "ppi_form": CampaignPpiJudgeForm(
                campaign=campaign,
                initial={
                    "ppi_run": chosen and chosen.ppi_run_id,
                    "ppi_model": chosen and chosen.ppi_model_id,
                },
            ),
        }
    return figures_page(
        request,
        kind=FigureSnapshot.Kind.JUDGES,
        campaign_id=campaign_id,
        template="evaluation/judges/figures.html",
        extra=extra,
    )
