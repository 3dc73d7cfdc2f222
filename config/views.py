"""Views of the deployment itself: health and the worker banner. The site's pages live in the apps."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from common.roles import user_is_admin
from common.workers import workers_alive_count


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def worker_status(request: HttpRequest) -> HttpResponse:
    """The banner every page loads for admins (htmx, after the page): empty while a worker answers."""
    if not user_is_admin(request.user):
        return HttpResponse(status=204)
    return render(request, "worker_status.html", {"workers_alive": workers_alive_count()})
