"""LDAP logins (django-auth-ldap, from the `ldap` extra): the person's groups at the directory give
their roles and expert domains by the same mapping as single sign-on, at every login.

A directory entry is bound to its account by a stable id (people.SingleSignOnAccount, issuer
`LDAP_SERVER_URI`), as an OpenID Connect subject is: django-auth-ldap on its own would sign the
entry in to any account of the same username, one that single sign-on made included."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django_auth_ldap.backend import LDAPBackend

from people.services import (
    LOGIN_REFUSAL_ATTR,
    SignInRefused,
    user_directory_account,
    user_directory_account_bind,
    user_directory_groups_apply,
)

logger = logging.getLogger(__name__)

# Operational, so sent only when asked for (config/settings/ldap.py asks); OpenLDAP and 389-ds keep it.
STABLE_ID_ATTR = "entryUUID"


def directory_identity(ldap_user: Any) -> tuple[str, str]:
    """(issuer, subject) of a directory entry: the server, and the entry's entryUUID, or its DN
    where the directory keeps no entryUUID."""
    uuid = (ldap_user.attrs or {}).get(STABLE_ID_ATTR) or []
    subject = uuid[0] if uuid else ldap_user.dn.lower()
    return str(ldap_user.settings.SERVER_URI).strip(), subject


class DirectoryLDAPBackend(LDAPBackend):
    _request: Any = None

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        # Django makes a backend for each authenticate() call: the request is this login's.
        self._request = request
        return super().authenticate(request, username, password, **kwargs)

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        issuer, subject = directory_identity(ldap_user)
        try:
            return user_directory_account(issuer=issuer, subject=subject, username=username)
        except SignInRefused as refused:
            self._refuse(refused, username=username, subject=subject)

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        # A new account gets an unusable local password from django-auth-ldap itself.
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            issuer, subject = directory_identity(ldap_user)
            try:
                user_directory_account_bind(user=user, issuer=issuer, subject=subject)
            except SignInRefused as refused:
                self._refuse(refused, username=user.username, subject=subject)
            user_directory_groups_apply(user=user, groups=ldap_user.group_names)
        return user

    def _refuse(self, refused: SignInRefused, *, username: str, subject: str) -> NoReturn:
        logger.warning(
            "LDAP login of %r (entry %s) refused: the account of that name is bound to another identity.",
            username,
            subject,
        )
        if self._request is not None:
            setattr(self._request, LOGIN_REFUSAL_ATTR, refused.message)
        # authenticate() turns this into a failed login (user_login_failed), which the login budget counts.
        raise PermissionDenied(refused.message) from refused
