from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from prompts.models import Prompt
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_admin_logs_in_and_imports_the_cvalues_prompts_in_the_browser(
    page: Page, live_server, admin_user, cvalues_prompts_path
):
    log_in(page, live_server, admin_user.username)
    expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()

    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("New prompt set name").fill("CValues")
    page.get_by_label("Format").select_option("cvalues_responsibility")
    page.get_by_label("File").set_input_files(str(cvalues_prompts_path))
    page.get_by_role("button", name="Upload and import").click()

    expect(page.locator("#import-status")).to_contain_text("664 created")
    assert Prompt.objects.count() == 664


def test_a_crowdworker_sees_their_role_and_no_admin_links(page: Page, live_server, crowdworker):
    log_in(page, live_server, crowdworker.username)

    expect(page.get_by_role("heading", name="Crowdworker", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Import")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_markup_in_a_failed_import_report_runs_nothing_in_the_browser(
    page: Page, live_server, admin_user, tmp_path
):
    bad = tmp_path / "evil.jsonl"
    # The bad record is on line 2, past the first record that the form checks: the worker reports it.
    bad.write_text(
        '{"id_": 1, "prompt": "p", "domain_en": "law", "domain_zh": "x"}\n'
        '{"id_": 2, "prompt": "p", "domain_en": "<img src=x onerror=alert(1)>", "domain_zh": "x"}\n'
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server, admin_user.username)

    page.goto(f"{live_server.url}/prompts/import/")
    page.get_by_label("New prompt set name").fill("Evil")
    page.get_by_label("Format").select_option("cvalues_responsibility")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()

    expect(page.locator("#import-status")).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("#import-status img").count() == 0
    assert dialogs == []


def test_markup_in_a_problem_found_when_the_form_is_sent_runs_nothing_in_the_browser(
    page: Page, live_server, admin_user, tmp_path
):
    bad = tmp_path / "evil.jsonl"
    bad.write_text(
        '{"id_": 1, "prompt": "p", "domain_en": "<img src=x onerror=alert(1)>", "domain_zh": "x"}\n'
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server, admin_user.username)

    page.goto(f"{live_server.url}/prompts/import/")
    page.get_by_label("New prompt set name").fill("Evil")
    page.get_by_label("Format").select_option("cvalues_responsibility")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()

    expect(page.locator("main")).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("main img").count() == 0
    assert dialogs == []
