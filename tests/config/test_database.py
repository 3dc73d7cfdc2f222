from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_not_sqlite():
    assert connection.vendor == "postgresql"
