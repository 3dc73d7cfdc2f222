from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from annotation.selectors import campaigns_for_review
from annotation.services import user_language_set
from config.middleware import SESSION_LANGUAGE_KEY
from config.roles import ROLE_DESCRIPTIONS, Role, user_is_admin, user_roles
from config.workers import workers_alive_count


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = sorted(user_roles(request.user))
    context = {"roles": [(role.value, ROLE_DESCRIPTIONS[role]) for role in roles]}
    if Role.REVIEWER in roles:
        # The reviewer's way into each campaign's results and agreement (the latest 20).
        context["review_campaigns"] = campaigns_for_review()[:20]
    return render(request, "home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


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


@login_required
def worker_status(request: HttpRequest) -> HttpResponse:
    """The banner every page loads for admins (htmx, after the page): empty while a worker answers."""
    if not user_is_admin(request.user):
        return HttpResponse(status=204)
    return render(request, "worker_status.html", {"workers_alive": workers_alive_count()})
