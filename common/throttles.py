"""One budget of wrong passwords per client address, on every way to present a password.

django-axes counts the failures: its backend stands first in AUTHENTICATION_BACKENDS and refuses
an address whose budget is spent before any other backend checks the password, and it counts the
user_login_failed signal that django.contrib.auth.authenticate() sends whichever backend failed.
So the site login, the token endpoint, Django admin and any backend added later (single sign-on)
share one count, without each view having to remember a throttle.

Axes locks by client address only (AXES_LOCKOUT_PARAMETERS): a client is slowed down, never a
known user's account, so nobody can lock an annotator out by typing their name wrongly on purpose.
The address is the one the API throttles count (DRF's NUM_PROXIES reading of X-Forwarded-For).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest | Request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the address DRF's throttles count, so that behind a proxy the login
    budget and the API throttles agree on who the client is."""
    return BaseThrottle().get_ident(request)


def _refusal() -> tuple[str, int]:
    # The cache handler restarts the cool-off at every failure, refused ones included: the address
    # is free again exactly this long after the attempt being answered.
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    return _("Too many login attempts from this address. Try again in %(s)s seconds.") % {"s": wait}, wait


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what the login page and Django admin answer to a spent budget."""
    message, wait = _refusal()
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response


class ObtainAuthTokenView(ObtainAuthToken):
    """The token endpoint, answering a spent budget with 429 rather than "wrong credentials".

    DRF hands authenticate() its own Request, so axes marks that object and AxesMiddleware, which
    sees only the HttpRequest beneath it, never learns of the lockout.
    """

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if not getattr(request, "axes_locked_out", False):
                raise
        message, wait = _refusal()
        return Response({"detail": message}, status=429, headers={"Retry-After": str(wait)})
