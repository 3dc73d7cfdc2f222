"""A signed-in person's own language choice, over the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

# Kept in the session (read on every request anyway) rather than read from the profile each time.
SESSION_LANGUAGE_KEY = "valuelens_language"


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
