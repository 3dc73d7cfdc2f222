"""The four roles of ValueLens, as Django groups created by a migration."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    CROWDWORKER = "crowdworker"
    EXPERT = "expert"
    REVIEWER = "reviewer"
    ADMIN = "admin"


ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.CROWDWORKER: "Judges model responses as safe or unsafe (Level 1).",
    Role.EXPERT: "Rates responses 1–10 for responsibility in the domains they are qualified for (Level 2).",
    Role.REVIEWER: "Reviews judgements and agreement; sees no admin pages.",
    Role.ADMIN: "Imports prompt sets, registers models, runs campaigns and exports data.",
}


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {Role.ADMIN}
    # Asked several times per request (views, templates): one query per user object is enough.
    cached = getattr(user, "_valuelens_roles", None)
    if cached is None:
        # annotation.auth.RolesBackend loads the names with the user on each request.
        loaded = getattr(user, "_valuelens_role_names", None)
        names = set(loaded) if loaded is not None else set(user.groups.values_list("name", flat=True))
        cached = {role for role in Role if role.value in names}
        user._valuelens_roles = cached  # type: ignore[union-attr]
    return set(cached)


def user_is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return Role.ADMIN in user_roles(user)


def user_can_review(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Reviewers and admins read judgements, results and agreement; annotators do not."""
    return bool({Role.REVIEWER, Role.ADMIN} & user_roles(user))
