"""The one application error: a write refused for a reason the person who asked can act on.

Services raise it (or a subclass that names the subject: JudgementRejected, QualityRejected, …)
with a message already translated into the request's language (gettext) and, where the reason
concerns one input, that input's name. Pages show it in their form; the API answers 400 with the
message under its field (``api_exception_handler``), so every way in says the same words. A refusal
an API client should tell apart from the others without reading the words carries a ``code``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback


class ApplicationError(Exception):
    """A refusal whose message a person reads; ``field`` names the input it concerns ('' for none)."""

    # What the API answers; a subclass for a refusal of who is asking rather than what says 403.
    status_code = 400
    # A stable name of the refusal for API clients (the message is translated); '' for none.
    code = ""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and an ApplicationError as its message under its field (``detail`` when it
    concerns no single field), which is how the API's own validation errors read; beside it its
    ``code``, where it has one."""
    if isinstance(exc, ApplicationError):
        set_rollback()
        body = {exc.field or "detail": exc.message}
        if exc.code:
            body["code"] = exc.code
        return Response(body, status=exc.status_code)
    return exception_handler(exc, context)


def form_error_add(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a refusal in the page's form: beside its field where the form has one, else above."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
