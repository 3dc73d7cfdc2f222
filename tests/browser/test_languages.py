"""In a real browser: a Chinese browser gets Chinese pages, and the switch in the top bar changes
the language and keeps it for the person."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chinese_browser_logs_in_in_chinese_and_switches_to_english_for_good(
    browser: Browser, live_server, crowdworker
):
    chinese = browser.new_context(locale="zh-CN")
    page = chinese.new_page()
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_label("用户名").fill(crowdworker.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="欢迎，carl-crowd")).to_be_visible()

    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_role("heading", name="Welcome, carl-crowd")).to_be_visible()
    chinese.close()

    # Another Chinese browser, another day: the person's own choice still wins.
    again = browser.new_context(locale="zh-CN")
    page = again.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("用户名").fill(crowdworker.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="Welcome, carl-crowd")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    again.close()
