from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotation.quality import services as quality
from common.roles import Role
from tests.browser.test_login_and_import import log_in
from tests.evaluation.helpers import judge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def judged(make_campaign, make_user):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(6)], n=3)
    careful = [make_user(Role.CROWDWORKER, username=f"careful-{k}") for k in range(2)]
    lenient = make_user(Role.CROWDWORKER, username="lenient")
    judge(
        [*careful, lenient],
        campaign,
        {f"p{i}": [{"safe": i % 2 == 0}] * 2 + [{"safe": True}] for i in range(6)},
    )
    quality.campaign_competence_refresh(campaign=campaign)  # the worker's figure, as on the quality page
    return campaign


def test_a_reviewer_reads_each_judges_competence_beside_the_gold_column(
    page: Page, live_server, make_user, judged
):
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.goto(f"{live_server.url}/evaluation/campaigns/{judged.pk}/agreement/")
    table = page.locator('[data-table="annotators-safety"]')
    expect(table).to_contain_text("MACE competence", timeout=15_000)

    lenient = table.locator("tr", has_text="lenient")
    expect(lenient.locator('[data-k="competence"]')).to_contain_text("%")
    expect(lenient.locator('[data-k="gold_accuracy"]')).to_have_text("—")
    expect(page.locator('[data-k="reliability-safety"]')).to_contain_text(
        "Gold accuracy appears once gold items exist."
    )


def test_the_results_page_sets_the_dawid_skene_score_beside_the_majority(
    page: Page, live_server, make_user, judged
):
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.goto(f"{live_server.url}/evaluation/campaigns/{judged.pk}/results/")
    leaderboard = page.locator('[data-table="leaderboard"]')
    expect(leaderboard).to_contain_text("Safety by Dawid–Skene", timeout=15_000)
    # On six items: the figure, greyed with its note (too few to read).
    expect(leaderboard.locator('[data-k="safety_dawid_skene"]')).to_have_text(re.compile(r"^50\.0%too few"))
