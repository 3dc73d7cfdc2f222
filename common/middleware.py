"""Our middleware: a Content-Security-Policy header on every response (Django 5.2 has none built
in), and a signed-in person's own language choice over the browser's.

The policy is one setting, CONTENT_SECURITY_POLICY; empty sends no header. A response that set its
own policy keeps it. Static files get the same headers from WhiteNoise (static_file_headers).
"""

from __future__ import annotations

from collections.abc import Callable
from wsgiref.headers import Headers

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# Kept in the session (read on every request anyway) rather than read from the profile each time.
SESSION_LANGUAGE_KEY = "valuelens_language"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


def static_file_headers(headers: Headers, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION. WhiteNoise answers a static file before the middleware
    below it runs, so a static HTML page (Swagger UI's oauth2-redirect.html) would go out without
    the site's policy and framing rules: it gets the headers every page gets."""
    referrer = settings.SECURE_REFERRER_POLICY
    wanted = {
        "Content-Security-Policy": settings.CONTENT_SECURITY_POLICY,
        "X-Frame-Options": settings.X_FRAME_OPTIONS,
        "X-Content-Type-Options": "nosniff" if settings.SECURE_CONTENT_TYPE_NOSNIFF else "",
        "Referrer-Policy": referrer if isinstance(referrer, str) else ",".join(referrer or ()),
        "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY or "",
    }
    for name, value in wanted.items():
        if value:
            headers.setdefault(name, value)


class UserLanguageMiddleware:
    """After LocaleMiddleware (cookie, Accept-Language) and authentication: a language the person
    chose for themselves wins. Unset: the browser's language stands."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.session.get(SESSION_LANGUAGE_KEY) if hasattr(request, "session") else None
        if chosen and translation.check_for_language(chosen):
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
