"""Server-side prepared statements for the hottest statements of ValueLens (assignment, submit).

psycopg2 sends every query as text, so PostgreSQL plans it on every call: for the assignment and
submit CTEs planning (about 2 ms) costs more than running them (about 0.5 ms). Each connection
prepares them once, on first use. PREPARE is not undone by a rollback, and a new connection
starts with none, which `connection_created` tells us.

Behind a pooler that hands one client several server connections (PgBouncer in transaction
mode) prepared statements break: DATABASE_PREPARED_STATEMENTS=0 sends the plain text instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.backends.signals import connection_created
from django.db.backends.utils import CursorWrapper

_PREPARED_ATTR = "_valuelens_prepared"
_NAMED = re.compile(r"%\((\w+)\)s")


def _connection_forget_prepared(sender: object, connection: object, **kwargs: object) -> None:
    setattr(connection, _PREPARED_ATTR, set())


connection_created.connect(_connection_forget_prepared, dispatch_uid="valuelens-prepared-statements")


@dataclass(frozen=True)
class PreparedStatement:
    """A statement written with %(name)s placeholders, prepared with the given PostgreSQL types."""

    name: str
    sql: str
    types: dict[str, str]
    # PostgreSQL plans a prepared statement afresh for its first five runs and keeps doing so
    # when the generic plan looks costlier; for the assignment CTE that re-planning (about
    # 1.3 ms) cost more than running it (0.3 ms), with the same index scans either way.
    generic: bool = False
    order: tuple[str, ...] = field(init=False)
    positional_sql: str = field(init=False)

    def __post_init__(self) -> None:
        order: list[str] = []
        for found in _NAMED.findall(self.sql):
            if found not in order:
                order.append(found)
        if set(order) != set(self.types):
            raise ValueError(f"{self.name}: the types must name exactly the placeholders {order}")
        object.__setattr__(self, "order", tuple(order))
        object.__setattr__(
            self, "positional_sql", _NAMED.sub(lambda m: f"${order.index(m.group(1)) + 1}", self.sql)
        )

    def _prepare_sql(self) -> str:
        types = ", ".join(self.types[name] for name in self.order)
        return f"PREPARE {self.name} ({types}) AS {self.positional_sql}"

    def _execute_sql(self) -> str:
        return f"EXECUTE {self.name} ({', '.join(['%s'] * len(self.order))})"


# Lets this transaction commit without waiting for its WAL to reach the disk.
_ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)"
# Plans the transaction's prepared statements once, with their parameters unknown.
_GENERIC_PLAN = "set_config('plan_cache_mode', 'force_generic_plan', true)"


def statements_execute(
    cursor: CursorWrapper,
    steps: Sequence[tuple[PreparedStatement, dict[str, object]]],
    *,
    durable: bool = True,
) -> None:
    """Run the statements in one round trip: PostgreSQL runs a multi-statement query string as one
    transaction (or as part of the caller's), each statement with its own snapshot. The result is
    the last statement's.

    ``durable=False`` is for writes whose loss in a database crash is harmless (a lease: its slot
    and counters are lost with it, consistently): the commit does not wait for the disk.
    """
    settings_local = [] if durable else [_ASYNC_COMMIT]
    prefix = [f"SELECT {', '.join(settings_local)}"] if settings_local else []
    if not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(
            "; ".join([*prefix, *(s.sql for s, _ in steps)]), {k: v for _, p in steps for k, v in p.items()}
        )
        return
    wrapper = cursor.db
    prepared: set[str] = getattr(wrapper, _PREPARED_ATTR, None) or set()
    setattr(wrapper, _PREPARED_ATTR, prepared)
    for statement, _ in steps:
        if statement.name not in prepared:
            cursor.execute(statement._prepare_sql())
            prepared.add(statement.name)
    if any(statement.generic for statement, _ in steps):
        prefix = [f"SELECT {', '.join([*settings_local, _GENERIC_PLAN])}"]
    cursor.execute(
        "; ".join([*prefix, *(s._execute_sql() for s, _ in steps)]),
        [params[name] for statement, params in steps for name in statement.order],
    )
