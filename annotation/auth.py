"""Authentication that loads a person's roles with the person: every request loads the user, and
on the submit-and-next path the ORM's query for the user and another for the groups cost more
than the judgement and the next item together."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from annotation.prepared import PreparedStatement, statements_execute

ROLE_NAMES_ATTR = "_valuelens_role_names"


def _user_statement() -> tuple[PreparedStatement, list[str]]:
    model = get_user_model()
    fields = model._meta.concrete_fields
    groups = model._meta.get_field("groups").remote_field.through._meta.db_table
    # The column and table names come from the models, never from a request.
    sql = (
        f"SELECT {', '.join(f'u.{f.column}' for f in fields)},"  # noqa: S608
        f" ARRAY(SELECT g.name FROM auth_group g JOIN {groups} ug ON ug.group_id = g.id"
        f" WHERE ug.user_id = u.id)"
        f" FROM {model._meta.db_table} u WHERE u.id = %(user)s"
    )
    return PreparedStatement(name="valuelens_user_with_roles", sql=sql, types={"user": "integer"}), [
        f.attname for f in fields
    ]


class RolesBackend(ModelBackend):
    """ModelBackend whose get_user (run on every request) brings the user's group names along,
    in one prepared statement on PostgreSQL; config.roles.user_roles reads them from there.
    A change of roles is seen at the next request, as before."""

    _statement: tuple[PreparedStatement, list[str]] | None = None

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
        user = get_user_model().from_db(connection.alias, names, row[:-1])
        setattr(user, ROLE_NAMES_ATTR, row[-1])
        return user if self.user_can_authenticate(user) else None
