"""What a transactional test (`django_db(transaction=True)`, the live server) leaves behind, taken
away faster than Django's flush.

Django's TransactionTestCase flushes after each such test: a TRUNCATE of every table, then
post_migrate again (content types, permissions, the role groups, the CValues domains and
scenarios). On the 2-core machine that cost 1 to 3 s a test, for about 300 tests. Here only the
tables that hold rows are emptied, and the tables that held rows right after migrating (the
reference data that post_migrate makes) are kept when the test left them exactly as they were:
the next test starts from the same rows a flush would give it. A test that changed the reference
data, or a database that refuses the quick way, gets Django's own flush, as before.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import DatabaseError, connections, transaction
from django.test import TransactionTestCase

# Per database alias: the tables holding rows right after migrating (or after the last full
# flush), with those rows.
_reference_rows: dict[str, dict[str, list[tuple[Any, ...]]]] = {}


def _tables(alias: str) -> list[str]:
    # The tables Django's flush would empty.
    return connections[alias].introspection.django_table_names(only_existing=True, include_views=False)


def _tables_with_rows(alias: str, tables: list[str]) -> set[str]:
    if not tables:
        return set()
    connection = connections[alias]
    quote = connection.ops.quote_name
    # Table names from Django's own introspection, quoted: no outside text reaches the SQL.
    query = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(t)})"  # noqa: S608
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query, tables)
        return {row[0] for row in cursor.fetchall()}


def _rows(alias: str, table: str) -> list[tuple[Any, ...]]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return sorted(cursor.fetchall(), key=repr)


def database_reference_take(*, alias: str) -> None:
    """Remember the rows the database holds now, which every transactional test must start from."""
    tables = _tables(alias)
    _reference_rows[alias] = {table: _rows(alias, table) for table in _tables_with_rows(alias, tables)}


def database_reset(*, alias: str) -> bool:
    """Empty every table a test filled; False, with nothing changed, when the reference rows are no
    longer what was remembered (the caller then flushes)."""
    reference = _reference_rows.get(alias)
    if reference is None:
        return False
    connection = connections[alias]
    tables = _tables(alias)
    with_rows = _tables_with_rows(alias, tables)
    if not set(reference) <= with_rows or any(_rows(alias, t) != rows for t, rows in reference.items()):
        return False
    filled = sorted(with_rows - set(reference))
    if not filled:
        return True
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # Django's foreign keys are deferrable: checked at commit, when every row is gone.
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in filled:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
    except DatabaseError:
        return False
    return True


_django_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown(self: TransactionTestCase) -> None:
    # A subset of apps or a serialized rollback has its own flush rules: Django's, unchanged.
    if self.available_apps is not None or self.serialized_rollback:
        _django_fixture_teardown(self)
        return
    for alias in self._databases_names(include_mirrors=False):
        if database_reset(alias=alias):
            continue
        call_command("flush", verbosity=0, interactive=False, database=alias, reset_sequences=False)
        database_reference_take(alias=alias)


def database_reset_install() -> None:
    """From now on, a transactional test's teardown empties what it filled instead of flushing."""
    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]
