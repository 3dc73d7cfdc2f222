"""In Chromium: a reviewer filters the item browser (htmx swaps the results and the address keeps
the filters), ticks items, and voids their judgements or sends them to adjudication after a
confirmation; untrusted text stays text; the pages pass axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotation.models import AdjudicationRequest, Judgement
from common.roles import Role
from tests.browser.axe import assert_accessible
from tests.browser.test_login_and_import import log_in
from tests.evaluation.item_browser_support import browsable_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(make_user, make_campaign):
    return browsable_build(make_user, make_campaign)


def _rows(page: Page):
    return page.locator("#item-results tbody tr[data-item]")


def test_a_reviewer_filters_the_items_and_sends_one_to_adjudication(page: Page, live_server, site, make_user):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server, make_user(Role.REVIEWER).username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Items", exact=True).click()
    expect(_rows(page)).to_have_count(6)
    expect(page.get_by_text("Bake bread <script>alert(1)</script>")).to_be_visible()
    assert_accessible(page, where="item browser")

    page.get_by_label("Final value").select_option("safe")

    expect(_rows(page)).to_have_count(3)
    expect(page).to_have_url(
        f"{live_server.url}/evaluation/items/?q=&campaign=&model=&scenario=&domain=&agreement=&flagged=&final=safe"
    )
    page.get_by_label("Agreement").select_option("unanimous")
    expect(_rows(page)).to_have_count(1)
    unanimous = site.items["a"]
    page.get_by_label(f"Select item {unanimous.pk}").check()
    page.get_by_label("With the selected items").select_option("adjudicate")
    page.get_by_label("Reason").fill("the dog may be dangerous")
    page.get_by_role("button", name="Review and confirm…").click()

    expect(page.get_by_text("Send 1 item to the adjudication queue of its campaign?")).to_be_visible()
    assert_accessible(page, where="bulk confirmation")
    assert not AdjudicationRequest.objects.exists()
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text("1 item sent to adjudication.")).to_be_visible()
    expect(_rows(page)).to_have_count(1)
    expect(page.locator(f'tr[data-item="{unanimous.pk}"] [data-k="notes"]')).to_contain_text(
        "sent to adjudication"
    )
    assert AdjudicationRequest.objects.get().item_id == unanimous.pk
    assert dialogs == []


def test_a_reviewer_voids_the_judgements_of_a_flagged_item_after_confirming(
    page: Page, live_server, site, make_user
):
    reviewer = make_user(Role.REVIEWER)
    log_in(page, live_server, reviewer.username)
    page.goto(f"{live_server.url}/evaluation/items/?flagged=yes")
    flagged = site.items["c"]
    expect(_rows(page)).to_have_count(1)

    page.get_by_label(f"Select item {flagged.pk}").check()
    page.get_by_label("With the selected items").select_option("void")
    page.get_by_label("Reason").fill("clicked through without reading")
    page.get_by_role("button", name="Review and confirm…").click()
    expect(page.get_by_text("Void 1 judgement of 1 selected items?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()

    expect(page).to_have_url(f"{live_server.url}/evaluation/items/?flagged=yes")
    assert not Judgement.objects.filter(voided_at__isnull=False).exists()
    page.get_by_label(f"Select item {flagged.pk}").check()
    page.get_by_label("With the selected items").select_option("void")
    page.get_by_label("Reason").fill("clicked through without reading")
    page.get_by_role("button", name="Review and confirm…").click()
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text("1 judgement voided.")).to_be_visible()
    expect(_rows(page)).to_have_count(0)
    judgement = Judgement.objects.get(item=flagged)
    assert (judgement.voided_by_id, judgement.void_reason) == (reviewer.pk, "clicked through without reading")


def test_a_reviewer_is_offered_no_export_of_the_selection(page: Page, live_server, site, make_user):
    log_in(page, live_server, make_user(Role.REVIEWER).username)
    page.goto(f"{live_server.url}/evaluation/items/")
    actions = page.get_by_label("With the selected items").locator("option")
    expect(actions).to_have_count(3)
