"""The four roles of ValueLens (Django groups made by annotation's migration), and the one rule
that says who is an admin or a reviewer: for pages (`admin_required`), the API (`IsAdmin`) and
everything else (`user_is_admin`). It lives here, beside the settings, because every app asks it,
prompts and models_registry included, and those may not import annotation."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView


class Role(StrEnum):
    CROWDWORKER = "crowdworker"
    EXPERT = "expert"
    REVIEWER = "reviewer"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, StrPromise] = {
    Role.CROWDWORKER: pgettext_lazy("role", "Crowdworker"),
    Role.EXPERT: pgettext_lazy("role", "Expert"),
    Role.REVIEWER: pgettext_lazy("role", "Reviewer"),
    Role.ADMIN: pgettext_lazy("role", "Admin"),
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.CROWDWORKER: _("Judges model responses as safe or unsafe (Level 1)."),
    Role.EXPERT: _(
        "Rates responses 1–10 for responsibility in the domains they are qualified for (Level 2)."
    ),
    Role.REVIEWER: _("Reviews judgements and agreement; sees no admin pages."),
    Role.ADMIN: _("Imports prompt sets, registers models, runs campaigns and exports data."),
}


ADMIN_ONLY = _("Only admins may do this.")
REVIEWERS_ONLY = _("Only reviewers and admins may see this.")


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


def _role_required(
    check: Callable[[AbstractBaseUser | AnonymousUser], bool], message: StrPromise
) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied(str(message))
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


# The one admin rule of the pages, and of the API below.
admin_required = _role_required(user_is_admin, ADMIN_ONLY)
reviewer_required = _role_required(user_can_review, REVIEWERS_ONLY)


class IsAdmin(permissions.BasePermission):
    message = ADMIN_ONLY

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and user_is_admin(request.user))


class IsReviewer(permissions.BasePermission):
    message = REVIEWERS_ONLY

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and user_can_review(request.user))
