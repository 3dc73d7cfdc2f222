"""Authentication that loads a person's roles with the person: every request loads the user, and
on the submit-and-next path the ORM's query for the user and another for the groups cost more
than the judgement and the next item together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.utils import translation
from rest_framework import authentication
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from annotation.models import CrowdLink, CrowdParticipant
from annotation.prepared import PreparedStatement, statements_execute
from people.models import AnnotatorProfile
from people.sso import OIDCBackend

ROLE_NAMES_ATTR = "_valuelens_role_names"
CROWD_SCOPE_ATTR = "_valuelens_crowd_scope"
# Stands for "loaded, and not a platform participant" (None: not loaded yet).
_NO_SCOPE: tuple[int, ...] = ()


@dataclass(frozen=True)
class CrowdScope:
    """What a platform participant's account may do: judge one campaign, up to a quota."""

    # None for a participant who came to write prompts (an authoring campaign's link): they judge
    # nothing, and authoring's own AuthorScope says where they write.
    campaign_id: int | None
    quota: int


def crowd_scope_of(user: AbstractBaseUser | AnonymousUser) -> CrowdScope | None:
    """The campaign and quota a platform participant's account is bound to; None for everyone
    else. RolesBackend loads it with the user on PostgreSQL; elsewhere one query per user object."""
    if not user.is_authenticated:
        return None
    loaded = getattr(user, CROWD_SCOPE_ATTR, None)
    if loaded is None:
        row = (
            CrowdParticipant.objects.filter(user_id=user.pk)
            .values_list("link__campaign_id", "link__quota_per_person")
            .first()
        )
        loaded = tuple(row) if row else _NO_SCOPE
        setattr(user, CROWD_SCOPE_ATTR, loaded)
    return CrowdScope(campaign_id=loaded[0], quota=loaded[1]) if loaded else None


def _user_statement() -> tuple[PreparedStatement, list[str]]:
    model = get_user_model()
    fields = model._meta.concrete_fields
    groups = model._meta.get_field("groups").remote_field.through._meta.db_table
    participants, links = CrowdParticipant._meta.db_table, CrowdLink._meta.db_table
    # The column and table names come from the models, never from a request.
    sql = (
        f"SELECT {', '.join(f'u.{f.column}' for f in fields)},"  # noqa: S608
        f" ARRAY(SELECT g.name FROM auth_group g JOIN {groups} ug ON ug.group_id = g.id"
        f" WHERE ug.user_id = u.id),"
        f" (SELECT ARRAY[l.campaign_id, l.quota_per_person] FROM {participants} p"
        f" JOIN {links} l ON l.id = p.link_id WHERE p.user_id = u.id)"
        f" FROM {model._meta.db_table} u WHERE u.id = %(user)s"
    )
    return PreparedStatement(name="valuelens_user_with_roles", sql=sql, types={"user": "integer"}), [
        f.attname for f in fields
    ]


class RolesBackend(ModelBackend):
    """ModelBackend whose get_user (run on every request) brings the user's group names along, and
    a platform participant's campaign and quota, in one prepared statement on PostgreSQL;
    common.roles.user_roles and crowd_scope_of read them from there.
    A change of roles is seen at the next request, as before."""

    _statement: tuple[PreparedStatement, list[str]] | None = None

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> AbstractBaseUser | None:
        # LOCAL_PASSWORDS=0: the passwords ValueLens keeps open no door (sessions still load here).
        if not settings.LOCAL_PASSWORDS:
            return None
        return super().authenticate(request, username, password, **kwargs)

    def get_user(self, user_id: int) -> AbstractBaseUser | None:
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        if RolesBackend._statement is None:
            RolesBackend._statement = _user_statement()
        statement, names = RolesBackend._statement
        try:
            user_pk = int(user_id)
        except (TypeError, ValueError):
            return None
        with connection.cursor() as cursor:
            statements_execute(cursor, [(statement, {"user": user_pk})])
            row = cursor.fetchone()
        if row is None:
            return None
        user = get_user_model().from_db(connection.alias, names, row[:-2])
        setattr(user, ROLE_NAMES_ATTR, row[-2])
        setattr(user, CROWD_SCOPE_ATTR, tuple(row[-1]) if row[-1] else _NO_SCOPE)
        return user if self.user_can_authenticate(user) else None


class RolesSession:
    """For the backends of single sign-on and LDAP: their sessions load the person as RolesBackend's
    do, roles and crowd scope in the same one query, rather than as each library would."""

    def get_user(self, user_id: int) -> AbstractBaseUser | None:
        return RolesBackend().get_user(user_id)


class OIDCRolesBackend(RolesSession, OIDCBackend):
    """OpenID Connect logins (people/sso.py)."""


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, then the language the person chose for themselves.

    UserLanguageMiddleware reads the choice from the session, which a token request does not have,
    and DRF authenticates a token only inside the view, after every middleware ran: without this,
    a script's errors and notes would come in the language its HTTP client happens to send."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, Token] | None:
        found = super().authenticate(request)
        if found is not None:
            language = (
                AnnotatorProfile.objects.filter(user=found[0]).values_list("language", flat=True).first()
            )
            if language and translation.check_for_language(language):
                translation.activate(language)
                request._request.LANGUAGE_CODE = translation.get_language()
        return found
