"""Reads about people."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from common.roles import Role


def people_list(*, text: str = "", role: str = "") -> QuerySet[User]:
    """People by username, with their roles (groups) and expert domains, for the People page."""
    people = User.objects.prefetch_related("groups", "annotator_profile__domains").order_by("username")
    if text:
        people = people.filter(username__icontains=text)
    if role == Role.ADMIN:
        people = people.filter(Q(groups__name=role) | Q(is_superuser=True)).distinct()
    elif role:
        people = people.filter(groups__name=role)
    return people
