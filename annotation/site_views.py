"""The site's own pages that belong to people: the home page per role and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from annotation.selectors import campaigns_for_review
from annotation.services import user_language_set
from common.middleware import SESSION_LANGUAGE_KEY
from common.roles import ROLE_DESCRIPTIONS, Role, user_roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = sorted(user_roles(request.user))
    context = {"roles": [(role.value, ROLE_DESCRIPTIONS[role]) for role in roles]}
    if Role.REVIEWER in roles:
        # The reviewer's way into each campaign's results and agreement (the latest 20).
        context["review_campaigns"] = campaigns_for_review()[:20]
    return render(request, "home.html", context)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switch: kept on the person's profile (every device they sign in on), in their
    session and in a cookie (for the login page); an empty choice follows the browser again."""
    language = request.POST.get("language", "")
    if language and not translation.check_for_language(language):
        language = ""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    response = HttpResponseRedirect(back)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    if language:
        request.session[SESSION_LANGUAGE_KEY] = language
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        request.session.pop(SESSION_LANGUAGE_KEY, None)
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
