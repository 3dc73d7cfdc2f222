from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect

from models_registry.generation import generation_batch_execute
from models_registry.services import generation_run_start
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_run_page_updates_its_progress_by_itself(
    page: Page, live_server, admin_user, make_model, make_prompts, held_tasks
):
    run = generation_run_start(
        name="live", prompt_set=make_prompts("a", "b", "<b>bold?</b>"), models=[make_model()]
    )
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/generation/runs/{run.pk}/")
    expect(page.locator("#run-progress")).to_contain_text("0 of 3 done")

    # Playwright runs an event loop in this thread; a worker thread has none.
    worker = threading.Thread(
        target=lambda: [generation_batch_execute(response_ids=b, claim="browser-test") for b in held_tasks]
    )
    worker.start()
    worker.join(timeout=30)

    expect(page.locator("#run-progress")).to_contain_text("3 of 3 done", timeout=10_000)
    expect(page.locator("#run-progress .status-finished")).to_have_text("Finished")
    page.reload()
    expect(page.locator("table.responses")).to_contain_text("Echo: <b>bold?</b>")
