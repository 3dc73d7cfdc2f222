"""Authentication backend that loads a user's roles with the user, in one query.

Every page asks for the user (the session names them) and then for their roles; reading both at
once saves a database round trip on every request, which the judging hot path feels.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import Exists, OuterRef

from annotation.roles import Role, roles_remember

UserModel = get_user_model()


class RoleAwareModelBackend(ModelBackend):
    def get_user(self, user_id: object) -> AbstractBaseUser | None:
        memberships = Group.user_set.through.objects.filter(user_id=OuterRef("pk"))
        flags = {
            f"_has_role_{role.value}": Exists(memberships.filter(group__name=role.value)) for role in Role
        }
        user = UserModel._default_manager.annotate(**flags).filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        roles_remember(user, {role for role in Role if getattr(user, f"_has_role_{role.value}")})
        return user
