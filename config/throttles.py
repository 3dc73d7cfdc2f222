"""Password attempts, throttled per client address on the login page and the token endpoint.

DRF's throttles rather than django-axes: one mechanism for the login page, the token endpoint and
the API, kept in the cache every web process already shares; no authentication backend to swap
(axes needs the request in every authenticate() call) and no lockout an attacker could use to
lock a known user out: a client is slowed down, not an account.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import SimpleRateThrottle


class LoginRateThrottle(SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ThrottledLoginView(LoginView):
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            wait = int(throttle.wait() or 60) + 1
            response = HttpResponse(
                _("Too many login attempts from this address. Try again in %(s)s seconds.") % {"s": wait},
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class ThrottledObtainAuthToken(ObtainAuthToken):
    throttle_classes = [LoginRateThrottle]
