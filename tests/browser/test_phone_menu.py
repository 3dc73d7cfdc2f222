"""The main menu on a phone: closed, the top bar takes at most two rows; "Menu" opens the links,
from the mouse and from the keyboard, with no script of ours (the CSP allows none inline)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _menu(page: Page):
    return page.get_by_role("navigation", name="Main")


def _rows(page: Page) -> int:
    """How many rows of controls the top bar's visible children take."""
    tops = page.locator("header.topbar").evaluate(
        """bar => [...bar.children]
            .filter(el => el.offsetParent !== null && !el.classList.contains('skip-link'))
            .map(el => el.querySelector('summary') || el)
            .map(el => Math.round(el.getBoundingClientRect().top))"""
    )
    rows: list[int] = []
    for top in sorted(tops):
        if not rows or top - rows[-1] > 8:
            rows.append(top)
    return len(rows)


def test_an_admins_menu_on_a_phone_takes_two_rows_closed_and_opens_on_a_tap(
    page: Page, live_server, admin_user
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, admin_user.username)

    assert _rows(page) <= 2
    header_height = page.locator("header.topbar").bounding_box()["height"]
    assert header_height < 110
    expect(_menu(page).get_by_role("link", name="Campaigns", exact=True)).to_be_hidden()

    page.get_by_text("Menu", exact=True).click()

    expect(_menu(page).get_by_role("link", name="Campaigns", exact=True)).to_be_visible()
    _menu(page).get_by_role("link", name="Campaigns", exact=True).click()
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()


def test_the_phone_menu_opens_from_the_keyboard(page: Page, live_server, admin_user):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, admin_user.username)

    page.locator("summary").first.focus()
    page.keyboard.press("Enter")
    expect(_menu(page).get_by_role("link", name="Exports", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('nav') !== null")


def test_on_a_wide_screen_the_links_show_in_one_row_without_a_menu_button(
    page: Page, live_server, admin_user
):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server, admin_user.username)

    expect(_menu(page).get_by_role("link", name="Campaigns", exact=True)).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
