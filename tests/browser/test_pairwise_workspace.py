"""A judge compares pairs with the keyboard alone, in Chromium: one key on the scale, Enter; in
English and in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from annotation.models import Judgement, Lease
from tests.browser.test_login_and_import import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_crowdworker_judges_pairs_with_the_keyboard_alone(
    page: Page, live_server, crowdworker, make_pair_campaign, pair_setup
):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=2))
    log_in(page, live_server, crowdworker.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    expect(page.locator("[data-side=left]")).to_contain_text("answer of m")
    first = Lease.objects.get(user=crowdworker)

    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("Saved.")
    page.keyboard.press("6")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("No items left for you")

    chosen = dict(Judgement.objects.values_list("item_id", "preferred"))
    assert chosen[first.item_id] == ("a" if first.a_on_left else "b")
    assert "both_bad" in chosen.values()
    assert Judgement.objects.get(item_id=first.item_id).strength == "clearly"


def test_a_chinese_judge_compares_a_pair_with_the_keyboard_in_chinese(
    browser: Browser, live_server, crowdworker, make_pair_campaign, pair_setup
):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=1))
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("用户名").fill(crowdworker.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    expect(page.locator("#side-left-heading")).to_have_text("左侧回答")
    expect(page.locator("#pane")).to_contain_text("右侧略微更好")

    page.keyboard.press("3")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("没有留给你的评判项了")
    context.close()

    assert Judgement.objects.get(user=crowdworker).preferred == "tie"
