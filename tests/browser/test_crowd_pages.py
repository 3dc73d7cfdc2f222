"""A platform participant's pages in a real browser: the completion code is one click from the
clipboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.annotation.crowd_support import PROLIFIC, entry_url
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _judge_the_quota(page: Page, live_server, link) -> None:
    page.goto(live_server.url + entry_url(link, PROLIFIC))
    page.get_by_role("button", name="Start").click()
    for number in range(1, link.quota_per_person + 1):
        expect(page.locator("#item-heading")).to_have_text(f"Item {number}")
        # The keys work once the page's script has taken the pane (on a busy machine, not before).
        expect(page.locator("#pane[data-ready]")).to_be_attached()
        page.keyboard.press("1")
        expect(page.locator("input[name=verdict][value=safe]")).to_be_checked()
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/crowd/done/{link.campaign_id}/$"))
    # The URL changes before the deferred script has run: a click before then would do nothing.
    expect(page.locator("button[data-copy-from][data-copy-ready]")).to_be_attached()


def test_the_copy_button_puts_the_completion_code_on_the_clipboard(
    page: Page, context: BrowserContext, live_server, link
):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    _judge_the_quota(page, live_server, link)
    expect(page.get_by_test_id("copy-status")).to_have_text("")

    page.get_by_role("button", name="Copy the code").click()

    expect(page.get_by_test_id("copy-status")).to_have_text("Copied: paste it on the platform.")
    assert page.evaluate("navigator.clipboard.readText()") == "C0DE42"
    assert_accessible(page, where="the end page with its copy button")


def test_where_the_clipboard_is_refused_the_code_is_selected_and_the_page_says_so(
    page: Page, live_server, link
):
    _judge_the_quota(page, live_server, link)
    # A browser that refuses the page the clipboard (a permission denied, an old browser).
    page.evaluate(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));"
        "document.execCommand = () => false;"
    )

    page.get_by_role("button", name="Copy the code").click()

    expect(page.get_by_test_id("copy-status")).to_contain_text("the code is selected")
    assert page.evaluate("window.getSelection().toString().trim()") == "C0DE42"
