"""LDAP logins (django-auth-ldap, from the `ldap` extra): the person's groups at the directory give
their roles and expert domains by the same mapping as single sign-on, at every login."""

from __future__ import annotations

from typing import Any

from django_auth_ldap.backend import LDAPBackend

from people.services import user_directory_groups_apply


class DirectoryLDAPBackend(LDAPBackend):
    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        # A new account gets an unusable local password from django-auth-ldap itself.
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            user_directory_groups_apply(user=user, groups=ldap_user.group_names)
        return user
