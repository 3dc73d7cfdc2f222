"""The site's own pages that belong to people: the home page per role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotation.selectors import campaigns_for_review
from common.roles import ROLE_DESCRIPTIONS, Role, user_roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = sorted(user_roles(request.user))
    context = {"roles": [(role.value, ROLE_DESCRIPTIONS[role]) for role in roles]}
    if Role.REVIEWER in roles:
        # The reviewer's way into each campaign's results and agreement (the latest 20).
        context["review_campaigns"] = campaigns_for_review()[:20]
    return render(request, "home.html", context)
