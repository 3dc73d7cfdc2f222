"""Writes for people and annotation."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.models import User as UserModel
from django.db import transaction

from annotation.models import AnnotatorProfile
from annotation.roles import Role
from prompts.models import Domain

# Admins manage everything of ValueLens' own apps and the user accounts; reviewers may read them.
MANAGED_APPS = (
    "prompts",
    "models_registry",
    "annotation",
    "evaluation",
    "auth",
    "authtoken",
    "django_celery_beat",
)


def roles_sync() -> None:
    """Make sure the role groups exist and admins/reviewers hold the permissions of every model.

    Runs after each migrate, so that models added later are covered without a hand-written
    permission migration.
    """
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    perms = Permission.objects.filter(content_type__app_label__in=MANAGED_APPS)
    Group.objects.get(name=Role.ADMIN.value).permissions.set(perms)
    Group.objects.get(name=Role.REVIEWER.value).permissions.set(perms.filter(codename__startswith="view_"))


def annotator_profile_get_or_create(*, user: UserModel) -> AnnotatorProfile:
    profile, _ = AnnotatorProfile.objects.get_or_create(
        user=user, defaults={"pseudonym": f"j-{secrets.token_hex(6)}"}
    )
    return profile


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: Iterable[Role],
    domains: Iterable[Domain] = (),
    email: str = "",
) -> UserModel:
    roles = set(roles)
    user = UserModel.objects.create_user(
        username=username, password=password, email=email, is_staff=Role.ADMIN in roles
    )
    user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    profile = annotator_profile_get_or_create(user=user)
    profile.domains.set(domains)
    return user
