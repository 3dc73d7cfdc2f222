"""The login budget's backend as the test settings install it."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class TestClientAxesBackend(AxesStandaloneBackend):
    """AxesStandaloneBackend, except that Django's test client may log in: Client.login() calls
    authenticate() without a request, which axes refuses (it could not count the attempt), while
    every request that reaches a view still passes its own and is counted."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
