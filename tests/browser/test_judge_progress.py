"""A judge's progress in a real browser: a skip moves the item number on and takes the item out
of the total, an edit says it was saved, and "My judgements" shows the response and the reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_skip_moves_the_number_on_and_the_last_item_reads_its_end(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("p1", "a1"), ("p2", "a2"), ("p3", "a3"))
    log_in(page, live_server, crowdworker.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    expect(page.locator("#item-heading")).to_have_text("Item 1")
    expect(page.get_by_test_id("total")).to_have_text("3")

    page.keyboard.press("s")

    expect(page.locator("#item-heading")).to_have_text("Item 2")
    expect(page.get_by_test_id("total")).to_have_text("2")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(page.locator("#item-heading")).to_have_text("Item 3")
    expect(page.locator(".progress-line")).to_contain_text("1 / 2")


def test_an_edit_says_saved_and_my_judgements_show_the_response_and_the_reason(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("a prompt", "An answer with <i>markup</i> in it"))
    log_in(page, live_server, crowdworker.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("No items left for you")
    page.get_by_role("link", name="Your judgements").click()
    page.get_by_role("link", name="Edit").click()

    page.locator('input[value="safe"]').check()
    page.locator("textarea[name=reason]").fill("It refuses politely.")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator(".message")).to_have_text("Saved: your judgement is changed.")
    expect(page.get_by_test_id("response")).to_have_text("An answer with <i>markup</i> in it")
    expect(page.get_by_test_id("reason")).to_have_text("It refuses politely.")
