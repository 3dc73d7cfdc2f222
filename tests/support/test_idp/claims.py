from __future__ import annotations

from oidc_provider.lib.claims import ScopeClaims


class GroupsScopeClaims(ScopeClaims):
    """The `groups` scope: the person's group names in a `groups` claim, as Keycloak and others send."""

    info_groups = ("Groups", "The groups you belong to.")

    def scope_groups(self) -> dict[str, list[str]]:
        return {"groups": sorted(self.user.groups.values_list("name", flat=True))}


def userinfo(claims: dict, user) -> dict:
    """OIDC_USERINFO: the standard claims a campus provider fills in."""
    claims.update(
        preferred_username=user.username,
        email=user.email,
        given_name=user.first_name,
        family_name=user.last_name,
    )
    return claims
