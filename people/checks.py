"""Start-up checks of the single sign-on settings: a typo in a role's name would otherwise give
nobody that role, silently."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from common.roles import Role


@register()
def sso_role_groups_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    unknown = sorted(set(settings.SSO_ROLE_GROUPS) - {role.value for role in Role})
    if not unknown:
        return []
    return [
        Error(
            f"SSO_ROLE_GROUPS names roles ValueLens does not have: {', '.join(unknown)}.",
            hint=f"Roles are {', '.join(role.value for role in Role)}.",
            id="people.E001",
        )
    ]
