"""LDAP logins (django-auth-ldap, from the `ldap` extra): the person's groups at the directory give
their roles and expert domains by the same mapping as single sign-on, at every login.

A directory entry is bound to its account by a stable id (people.SingleSignOnAccount, issuer
`LDAP_SERVER_URI`), as an OpenID Connect subject is: django-auth-ldap on its own would sign the
entry in to any account of the same username, one that single sign-on made included."""

from __future__ import annotations

import logging
import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_auth_ldap.backend import LDAPBackend

from people.services import (
    LOGIN_REFUSAL_ATTR,
    SignInRefused,
    user_directory_account,
    user_directory_groups_apply,
    user_directory_login_record,
)

logger = logging.getLogger(__name__)


def stable_id_text(*, attribute: str, value: str | bytes) -> str:
    """An entry's stable id as text. Active Directory's objectGUID is 16 bytes, written as AD shows
    it: a GUID whose first three fields are stored little-endian. django-auth-ldap decodes every value
    that is valid UTF-8 and leaves the others as bytes, so a GUID may come either way."""
    if attribute.lower() == "objectguid":
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        return str(uuid.UUID(bytes_le=raw))
    return value.hex() if isinstance(value, bytes) else value


def directory_identity(ldap_user: Any) -> tuple[str, str]:
    """(issuer, subject) of a directory entry: the server, and the entry's SSO_LDAP_ID_ATTRIBUTE
    (entryUUID, or Active Directory's objectGUID), or its DN where the directory keeps no such id."""
    attribute = settings.SSO_LDAP_ID_ATTRIBUTE
    values = (ldap_user.attrs or {}).get(attribute) or []
    subject = stable_id_text(attribute=attribute, value=values[0]) if values else ldap_user.dn.lower()
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
        # Called once the password is checked. The account is bound here, and a new one saved with
        # no usable local password, so that two first logins of one entry at once land in one account.
        issuer, subject = directory_identity(ldap_user)
        try:
            user = user_directory_account(
                issuer=issuer, subject=subject, username=username, dn=ldap_user.dn.lower()
            )
            return user, False
        except SignInRefused as refused:
            self._refuse(refused, username=username, subject=subject)

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            issuer, subject = directory_identity(ldap_user)
            user_directory_login_record(user=user, issuer=issuer, subject=subject)
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
