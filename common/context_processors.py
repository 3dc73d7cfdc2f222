from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from common.roles import user_roles


def roles(request: HttpRequest) -> dict[str, object]:
    return {"user_roles": SimpleLazyObject(lambda: {r.value for r in user_roles(request.user)})}
