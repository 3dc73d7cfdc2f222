"""demo_seed creates users with a known password: only with DEBUG on or an explicit flag."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_demo_seed_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        call_command("demo_seed", stdout=io.StringIO())

    assert not User.objects.filter(username="admin").exists()


def test_demo_seed_runs_with_debug_on(settings):
    settings.DEBUG = True

    call_command("demo_seed", stdout=io.StringIO())

    assert User.objects.filter(username="admin").exists()


def test_demo_seed_runs_with_debug_off_when_told_explicitly(settings):
    settings.DEBUG = False

    call_command("demo_seed", "--allow-production", stdout=io.StringIO())

    assert User.objects.filter(username="admin").exists()
