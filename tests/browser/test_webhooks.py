"""In Chromium: an admin adds a webhook endpoint, copies its secret from the one page that shows
it, sends a test event, and sends a delivery again from the log without leaving the page (htmx).
Tasks run in the server here; tests/webhooks/ send them through a real Celery worker."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_and_import import log_in
from tests.support.webhook_receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver():
    started = Receiver().start()
    yield started
    started.stop()


def test_an_admin_adds_an_endpoint_sends_a_test_event_and_sends_it_again(
    page: Page, live_server, admin_user, receiver
):
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/webhooks/new/")
    page.get_by_label("Name").fill("Lab dashboard")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Campaign opened").check()
    page.get_by_role("button", name="Add the endpoint").click()
    receiver.secret = page.get_by_label("Secret").input_value()
    page.get_by_role("link", name="Go to the endpoint").click()

    page.get_by_role("button", name="Send a test event").click()
    row = page.locator("tr[data-delivery]")
    expect(row.locator("td[data-code]")).to_have_text("200")
    row.get_by_role("button", name="Send again").click()

    expect(page.locator("tr[data-delivery]")).to_contain_text("It will be sent again.")
    assert [(r.event, r.signature_ok) for r in receiver.received] == [("test", True), ("test", True)]
    assert receiver.secret not in page.content()
