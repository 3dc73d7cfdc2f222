"""The study designer's page: before a campaign opens, how many judges per item and how many items
reach the target widths, simulated by a worker from the judges' competences."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.roles import reviewer_required
from evaluation.design import services
from evaluation.design.forms import StudyDesignForm


@reviewer_required
def study_design(request: HttpRequest) -> HttpResponse:
    form = StudyDesignForm(request.GET or None)
    design = services.study_design_request(parameters=form.parameters()) if form.is_valid() else None
    context = {"form": form, "design": design, "working": bool(design) and design["status"] == "pending"}
    template = "evaluation/design/study_design.html"
    return render(request, f"{template}#design" if request.htmx else template, context)
