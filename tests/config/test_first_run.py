"""The first run says what it does: packages being installed, where the first item to judge is, and
no SQLite warning that reads like a data problem."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.management import call_command

from annotation.models import Campaign
from tests.config.test_settings import settings_value
from tests.conftest import REPO


@pytest.mark.django_db
def test_the_quickstart_prints_the_first_items_judging_page(make_campaign):
    campaign = make_campaign(("p", "r"))
    out = io.StringIO()

    call_command("demo_first_item", "--base-url", "http://127.0.0.1:8123", "--wait", "0", stdout=out)

    assert f"http://127.0.0.1:8123/annotate/{campaign.pk}/" in out.getvalue()
    assert "log in as crowd" in out.getvalue()


@pytest.mark.django_db
def test_without_an_open_item_the_quickstart_says_none_is_ready_yet(make_campaign):
    make_campaign(("p", "r"), status=Campaign.Status.DRAFT)
    out = io.StringIO()

    call_command("demo_first_item", "--wait", "0", "--poll", "0", stdout=out)

    assert "no item to judge yet" in out.getvalue()


def test_the_sqlite_nulls_distinct_warning_is_silenced_on_sqlite_only(tmp_path):
    sqlite = settings_value("settings.SILENCED_SYSTEM_CHECKS", DEBUG="1", VAR_DIR=str(tmp_path))
    postgres = settings_value(
        "settings.SILENCED_SYSTEM_CHECKS",
        DEBUG="1",
        VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/valuelens",
    )

    assert "models.W047" in sqlite.stdout
    assert "models.W047" not in postgres.stdout


def test_the_package_install_step_says_what_it_does(tmp_path):
    # A venv whose python is a stub that records pip's arguments: the script's words, not pip's work.
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text("#!/bin/sh\nexit 0\n")
    (venv / "python").chmod(0o755)
    (tmp_path / "pyproject.toml").write_text("[project]\n")

    result = subprocess.run(
        ["bash", "-c", f"source {REPO}/scripts/_venv.sh && venv_ready dev"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )

    assert "installing its Python packages" in result.stdout
    assert "packages installed" in result.stdout
