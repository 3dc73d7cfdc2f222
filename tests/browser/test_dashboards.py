from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotation.models import Item
from common.roles import Role
from tests.browser.test_login_and_import import log_in
from tests.evaluation.helpers import judge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def judged(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("c", "rc"), n=3)
    users = [make_user(Role.CROWDWORKER) for _ in range(3)]
    safe, unsafe = {"safe": True}, {"safe": False}
    judge(users, campaign, {"a": [safe] * 3, "b": [safe, safe, unsafe], "c": [unsafe, unsafe, safe]})
    return campaign


def test_the_agreement_page_fills_itself_in_when_the_worker_is_done_and_draws_its_chart(
    page: Page, live_server, make_user, judged
):
    reviewer = make_user(Role.REVIEWER)
    log_in(page, live_server, reviewer.username)

    page.goto(f"{live_server.url}/evaluation/campaigns/{judged.pk}/agreement/")
    # The first answer only queues the computation; htmx polls until the figures are there.
    expect(page.locator("#figures")).to_contain_text("Computing on a worker")
    expect(page.locator('[data-table="coefficients-safety"]')).to_contain_text("Gwet's AC1", timeout=15_000)

    drawn = page.evaluate(
        "() => Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => !!Chart.getChart(c))"
    )
    assert drawn == [True]
    split = Item.objects.get(campaign=judged, prompt__text="b")
    page.get_by_role("link", name=f"item {split.pk}").click()
    expect(page.locator('[data-table="judgements"] tbody tr')).to_have_count(3)


def test_the_results_page_shows_the_leaderboard_and_its_chart(page: Page, live_server, make_user, judged):
    log_in(page, live_server, make_user(Role.ADMIN).username)

    page.goto(f"{live_server.url}/evaluation/results/")
    leaderboard = page.locator('[data-table="leaderboard"]')
    expect(leaderboard).to_contain_text("66.7%", timeout=15_000)

    assert page.evaluate("() => !!Chart.getChart(document.querySelector('canvas[data-chart=chart-safety]'))")
