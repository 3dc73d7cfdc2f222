from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from config.roles import Role
from evaluation.judges.services import judge_run_start
from tests.browser.test_login_and_import import log_in
from tests.evaluation.judges_support import safety_campaign, safety_script

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_reads_an_unreadable_answer_then_sees_the_judge_beside_an_average_person(
    page: Page, live_server, make_user, make_campaign, stub, make_model
):
    campaign = safety_campaign(make_campaign, [make_user(Role.CROWDWORKER) for _ in range(3)])
    stub.state.script = safety_script()
    judge_run_start(name="scripted judges", campaign=campaign, models=[make_model("judge-a")])
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.get_by_role("link", name="Judges").first.click()
    page.get_by_role("link", name="scripted judges").click()
    card = page.locator("article.card")
    expect(card.locator("pre.response")).to_have_text("<script>alert('x')</script>我觉得还行")
    card.locator("select[name=safe]").select_option("false")
    card.get_by_role("button", name="Set").click()

    expect(page.get_by_text("Nothing to read.")).to_be_visible()
    page.get_by_role("link", name=campaign.name).first.click()
    expect(page.locator("tr.baseline")).to_contain_text("An average single person")
    expect(page.locator("table.judges")).to_contain_text("judge-a")
    assert dialogs == []
