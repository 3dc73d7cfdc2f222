"""In Chromium: a judge run that is still preparing keeps its page polling until it is complete;
a snapshot that failed says so and Recompute brings the figures; a figure on too few items is
greyed with its note."""

from __future__ import annotations

from unittest import mock

import pytest
from playwright.sync_api import Page, expect

from common.roles import Role
from evaluation.judges.services import judge_run_collect, judge_run_prepare, judge_run_start
from tests.browser.test_login_and_import import log_in
from tests.evaluation.helpers import judge
from tests.evaluation.judges_support import safety_campaign, safety_script
from tests.support.tasks import tasks_held

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_run_page_keeps_polling_while_the_run_prepares_and_stops_once_it_is_complete(
    page: Page, live_server, make_user, make_campaign, stub, make_model, monkeypatch
):
    from evaluation.judges import services

    campaign = safety_campaign(make_campaign, [make_user(Role.CROWDWORKER) for _ in range(3)])
    stub.state.script = safety_script()
    tasks_held(monkeypatch, services, "evaluation.tasks.judge_run_prepare")
    run = judge_run_start(name="slow judges", campaign=campaign, models=[make_model("judge-a")])
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.goto(f"{live_server.url}/evaluation/judges/runs/{run.pk}/")
    progress = page.locator("#progress")
    expect(progress.get_by_test_id("preparing")).to_contain_text("a worker is adding the items")
    expect(progress).to_contain_text("0 of 0 generations done")

    judge_run_prepare(run_id=run.pk)  # what the worker does, while the page is open
    judge_run_collect(run_id=run.pk)

    expect(progress).to_contain_text("4 of 4 generations done", timeout=10_000)
    expect(progress).to_contain_text("4 machine judgements read")
    expect(progress).to_have_attribute("data-finished", "true")
    expect(progress.get_by_test_id("preparing")).to_have_count(0)


def _judged(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("c", "rc"), n=2)
    safe, unsafe = {"safe": True}, {"safe": False}
    judge(
        [make_user(Role.CROWDWORKER) for _ in range(2)],
        campaign,
        {"a": [safe, safe], "b": [safe, unsafe], "c": [unsafe, unsafe]},
    )
    return campaign


def test_a_failed_computation_says_so_and_recompute_brings_the_figures(
    page: Page, live_server, make_user, make_campaign
):
    campaign = _judged(make_campaign, make_user)
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    # The figures cannot be stored, as when a marker outgrew its column.
    with mock.patch("evaluation.figures.services.source_marker_for", return_value=("x" * 300, 6)):
        page.goto(f"{live_server.url}/evaluation/campaigns/{campaign.pk}/results/")
        failed = page.get_by_test_id("snapshot-failed")
        expect(failed).to_contain_text("The figures could not be computed", timeout=10_000)
    expect(page.locator("#figures")).not_to_have_attribute("hx-trigger", "every 2s")
    failed.locator("summary").click()
    expect(failed.locator("pre")).to_contain_text("DataError")

    page.get_by_role("button", name="Recompute now").click()

    expect(page.locator('[data-table="leaderboard"]')).to_contain_text("33.3%", timeout=15_000)
    expect(page.get_by_test_id("snapshot-failed")).to_have_count(0)


def test_a_figure_on_too_few_items_is_greyed_with_its_note(page: Page, live_server, make_user, make_campaign):
    campaign = _judged(make_campaign, make_user)
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.goto(f"{live_server.url}/evaluation/campaigns/{campaign.pk}/results/")

    cell = page.locator('[data-table="leaderboard"] td[data-k="safety"]')
    expect(cell).to_contain_text("33.3%", timeout=15_000)
    expect(cell.locator('[data-k="too-few"]')).to_have_text("too few to read: 3 items, fewer than 30")
    greyed = cell.evaluate("td => getComputedStyle(td).color")
    ink = page.locator('[data-table="leaderboard"] td').first.evaluate("td => getComputedStyle(td).color")
    assert greyed != ink
    # The tied item (b) says how its tie was decided.
    page.get_by_role("link", name="Agreement").first.click()
    page.locator('[data-table="lowest-safety"] a').first.click()
    expect(page.locator('[data-k="source"]')).to_have_text("tie: counted unsafe")
