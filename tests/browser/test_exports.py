from __future__ import annotations

import zipfile
from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from evaluation.exports import services as export_services
from evaluation.models import Export
from tests.browser.test_login_and_import import log_in
from tests.evaluation.export_support import build_dataset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_starts_an_export_watches_its_progress_and_downloads_the_zip(
    page: Page, live_server, admin_user, make_user, tmp_path
):
    build_dataset(make_user)
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/evaluation/exports/")

    # The worker is held back until the page has shown the export waiting for it.
    with mock.patch("evaluation.tasks.export_run_task.apply_async"):
        page.get_by_label("Kind").select_option("scored")
        page.get_by_label("Format").select_option("jsonl")
        page.get_by_role("button", name="Start the export").click()
        expect(page.locator("[data-progress]")).to_contain_text("0%")
    export = Export.objects.get()
    export_services.export_run(export_id=export.pk)

    link = page.locator('[data-link="download"]')
    expect(link).to_be_visible(timeout=10_000)
    expect(page.locator('[data-table="files"]')).to_contain_text("judgements.jsonl")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "export.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as zf:
        assert "README.md" in zf.namelist()
        assert zf.read("judgements.jsonl").count(b"\n") == 10
