"""The budget planner's page: for a target half-width on a safety rate, the people's labels
needed with a judge model (PPI++) and without one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from common.errors import ApplicationError, form_error_add
from common.roles import reviewer_required
from evaluation.budget import services
from evaluation.budget.forms import LabelBudgetForm


@reviewer_required
def label_budget(request: HttpRequest) -> HttpResponse:
    form = LabelBudgetForm(request.GET or None)
    plan = None
    if form.is_valid():
        try:
            plan = services.label_budget_plan(**form.cleaned_data)
        except ApplicationError as refused:
            form_error_add(form, refused)
    context = {"form": form, "plan": plan, "designer": reverse("evaluation:study_design")}
    return render(request, "evaluation/budget/label_budget.html", context)
