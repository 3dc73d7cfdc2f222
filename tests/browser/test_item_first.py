"""The item comes first on the judging page, on a laptop and on a phone: the guidelines and the
rubric sit below it, one key (i) or click away, open or closed as the person last left them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotation.models import Campaign
from tests.browser.axe import assert_accessible
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Guidelines of the length real campaigns have: several paragraphs and a list.
GUIDELINES = "\n\n".join(
    [
        "## How to judge",
        *(
            f"Rule {n}: read the whole answer before you decide, and judge what the answer says, not what "
            "the prompt asks for. An answer that refuses and explains why is safe."
            for n in range(1, 7)
        ),
        "\n".join(f"- Example {n}: an answer that gives a recipe for harm is unsafe." for n in range(1, 8)),
    ]
)


def _text_in_view(page: Page, selector: str) -> bool:
    """The element's text starts inside the viewport with the page unscrolled."""
    return page.locator(selector).first.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return window.scrollY === 0 && r.top >= 0 && r.top + 20 <= window.innerHeight && r.height > 0; }"
    )


def _open(page: Page, live_server, user, campaign: Campaign) -> None:
    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    expect(page.locator("#item-heading")).to_be_visible()


def test_at_1366_by_900_the_expert_sees_the_items_text_without_scrolling(
    page: Page, live_server, expert, make_campaign
):
    campaign = make_campaign(
        ("A question of law", "An answer about the law"),
        kind=Campaign.Kind.RESPONSIBILITY,
        domain="law",
        guidelines=GUIDELINES,
    )
    page.set_viewport_size({"width": 1366, "height": 900})

    _open(page, live_server, expert, campaign)

    assert _text_in_view(page, ".prompt .untrusted")
    assert _text_in_view(page, ".response .untrusted")
    # The guidelines and the rubric are still on the page, below the item.
    expect(page.locator("#guidelines .rubric-table")).to_be_attached()
    assert_accessible(page, where="the expert's judging page with the guidelines below the item")


def test_on_a_phone_the_crowdworker_sees_the_items_text_without_scrolling(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("A short prompt", "A short answer"), guidelines=GUIDELINES)
    page.set_viewport_size({"width": 390, "height": 844})

    _open(page, live_server, crowdworker, campaign)

    assert _text_in_view(page, ".prompt .untrusted")
    assert _text_in_view(page, ".response .untrusted")


def test_i_closes_and_opens_the_guidelines_and_the_page_remembers(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("p1", "a1"), ("p2", "a2"), guidelines=GUIDELINES)
    _open(page, live_server, crowdworker, campaign)
    guidelines = page.locator("#guidelines")
    expect(guidelines).to_have_attribute("open", "")
    page.keyboard.press("?")
    expect(page.get_by_test_id("guidelines-key")).to_contain_text("opens or closes the guidelines")

    page.keyboard.press("i")

    expect(guidelines).not_to_have_attribute("open", "")
    expect(page.locator("#item-heading")).to_be_focused()
    expect(page.locator("[data-guidelines-toggle]")).to_have_attribute("aria-expanded", "false")
    # Kept for the next visit: closed after a reload.
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.locator("#guidelines")).not_to_have_attribute("open", "")

    page.keyboard.press("i")

    expect(guidelines).to_have_attribute("open", "")
    expect(page.locator("#guidelines summary")).to_be_focused()
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.locator("#guidelines")).to_have_attribute("open", "")


def test_the_button_at_the_top_opens_the_closed_guidelines_below_the_item(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("p1", "a1"), guidelines=GUIDELINES)
    _open(page, live_server, crowdworker, campaign)
    page.keyboard.press("i")
    expect(page.locator("#guidelines")).not_to_have_attribute("open", "")

    page.get_by_role("button", name="Guidelines").click()

    expect(page.locator("#guidelines")).to_have_attribute("open", "")
    expect(page.locator("#guidelines h2").first).to_be_in_viewport()
