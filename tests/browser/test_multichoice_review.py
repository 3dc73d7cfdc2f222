from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from common.roles import Role
from evaluation.multichoice.selectors import multichoice_review_queue
from evaluation.multichoice.services import multichoice_run_start
from tests.browser.test_login_and_import import log_in
from tests.evaluation.multichoice_support import SCRIPT_ANSWER, SCRIPTED, mc_items_import, script_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_sets_a_need_check_prediction_and_the_accuracy_on_the_page_changes(
    page: Page, live_server, make_user, stub, make_model
):
    stub.state.script = script_for([answer for answer, _ in SCRIPTED])
    run = multichoice_run_start(name="scripted", item_set=mc_items_import(), models=[make_model()])
    [entry], _ = multichoice_review_queue(run=run)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    reviewer = make_user(Role.REVIEWER)
    log_in(page, live_server, reviewer.username)

    page.get_by_role("link", name="Multi-choice").first.click()
    page.get_by_role("link", name="scripted").click()
    page.get_by_role("link", name="Need_Check queue").click()

    summary = page.locator("#mc-summary")
    expect(summary.locator("td.acc")).to_contain_text("50.0%")
    card = page.locator(f"#review-{entry.response.pk}")
    expect(card.locator(".model-answer")).to_have_text(SCRIPT_ANSWER)
    expect(page.locator(".open-count")).to_have_text("1")

    card.get_by_role("button", name="回复1", exact=True).click()

    expect(page.locator(f"#review-{entry.response.pk}")).to_contain_text("Set to 回复1.")
    expect(page.locator("#mc-summary td.acc")).to_contain_text("62.5%")
    expect(page.locator(".open-count")).to_have_text("0")
    page.get_by_role("link", name="Back to the run").click()
    expect(page.locator("#mc-summary td.acc")).to_contain_text("62.5%")
    assert dialogs == []
