"""In Chromium: an import form that came back with an error names the file it kept and keeps the
mapping; fixing the mapping and sending again imports that file without choosing it again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from prompts.models import Prompt
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_after_a_wrong_mapping_the_admin_fixes_it_and_imports_the_kept_file(
    page: Page, live_server, admin_user, tmp_path
):
    questions = tmp_path / "questions.csv"
    questions.write_text("question,qid\n邻居的狗总叫怎么办？,1\nHow do I bake bread?,2\n", encoding="utf-8")
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/prompts/import/")
    page.get_by_label("New prompt set name").fill("Questions")
    page.get_by_label("Format").select_option("generic_csv")
    page.get_by_label("File").set_input_files(str(questions))
    page.get_by_label("Text column").fill("prompt")
    page.get_by_label("Id column").fill("qid")
    page.get_by_label("Default level").select_option("safety")
    page.get_by_role("button", name="Upload and import").click()

    expect(page.locator(".field p.error")).to_contain_text("field prompt")
    expect(page.locator("#kept-file")).to_contain_text("questions.csv")
    expect(page.get_by_label("Id column")).to_have_value("qid")
    expect(page.get_by_label("Default level")).to_have_value("safety")
    expect(page.get_by_label("New prompt set name")).to_have_value("Questions")

    page.get_by_label("Text column").fill("question")
    page.get_by_role("button", name="Upload and import").click()

    expect(page.locator("#import-status")).to_contain_text("2 created")
    assert Prompt.objects.filter(prompt_set__name="Questions").count() == 2
