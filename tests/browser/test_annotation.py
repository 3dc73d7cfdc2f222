from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from annotation.models import Campaign, Item, Judgement
from common.roles import Role
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def test_a_crowdworker_judges_items_with_the_keyboard_alone(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "first answer"), ("second prompt", "second answer"))
    log_in(page, live_server, crowdworker.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    expect(page.locator("#pane")).to_contain_text("first prompt")

    page.keyboard.press("2")
    page.keyboard.press("r")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("second prompt")
    expect(page.locator("#pane")).to_contain_text("Saved.")
    page.keyboard.press("1")
    page.keyboard.press("h")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("No items left for you")

    verdicts = dict(Judgement.objects.values_list("item__prompt__text", "safe"))
    assert verdicts == {"first prompt": False, "second prompt": True}
    assert Judgement.objects.get(item__prompt__text="first prompt").response_type == "risky"


def test_the_shortcuts_help_opens_with_a_question_mark(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("p", "r"))
    log_in(page, live_server, crowdworker.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")

    expect(page.locator("#shortcuts")).to_be_hidden()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()


def test_an_expert_scores_and_rewrites_with_the_keyboard_alone(
    page: Page, live_server, expert, make_campaign
):
    campaign = make_campaign(
        ("law question", "weak answer"),
        ("second law question", "good answer"),
        kind=Campaign.Kind.RESPONSIBILITY,
        domain="law",
    )
    log_in(page, live_server, expert.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    expect(page.locator("#pane")).to_contain_text("law question")

    page.keyboard.press("3")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("A score below 5 needs your rewritten answer.")
    page.keyboard.press("Tab")
    page.locator("#rewrite").focus()
    page.keyboard.type("A caring, careful answer.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#pane")).to_contain_text("second law question")
    page.keyboard.press("0")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("No items left for you")

    scores = dict(Judgement.objects.values_list("item__prompt__text", "score"))
    assert scores == {"law question": 3, "second law question": 10}
    assert Judgement.objects.get(score=3).rewrite == "A caring, careful answer."


def test_markup_in_prompts_and_responses_shows_as_text_and_runs_nothing(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign((f"prompt {XSS}", f"response {XSS}"))
    log_in(page, live_server, crowdworker.username)

    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")

    expect(page.locator(".response .rendered")).to_contain_text("<script>window.__pwned = 1</script>")
    expect(page.locator(".prompt .untrusted")).to_contain_text('<img src=x onerror="window.__pwned = 2">')
    page.get_by_role("button", name="Raw text").click()
    expect(page.locator(".response .raw")).to_contain_text('<img src=x onerror="window.__pwned = 2">')
    assert page.locator(".untrusted img, .untrusted script").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_two_browsers_at_once_never_get_the_same_slot(
    browser: Browser, live_server, make_user, make_campaign
):
    campaign = make_campaign(("one", "r1"), ("two", "r2"), n=1)
    people = [make_user(Role.CROWDWORKER) for _ in range(2)]
    pages = []
    for person in people:
        context = browser.new_context()
        page = context.new_page()
        log_in(page, live_server, person.username)
        pages.append(page)

    for page in pages:
        page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    shown = [page.locator(".prompt .untrusted").inner_text() for page in pages]

    assert sorted(shown) == ["one", "two"]
    assert sorted(Item.objects.values_list("open_slots", flat=True)) == [0, 0]
    for page in pages:
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        expect(page.locator("#pane")).to_contain_text("No items left for you")
    assert Judgement.objects.count() == 2


def test_a_contradictory_verdict_is_confirmed_before_it_is_saved(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "first answer"), ("second prompt", "second answer"))
    log_in(page, live_server, crowdworker.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")

    page.keyboard.press("2")
    page.keyboard.press("g")
    page.keyboard.press("Enter")
    expect(page.locator("#pane")).to_contain_text("check your choice, or confirm it")
    assert not Judgement.objects.exists()
    page.locator('input[name="confirm"]').check()
    page.locator("#judge-form button[type=submit]").click()
    expect(page.locator("#pane")).to_contain_text("second prompt")

    assert Judgement.objects.get().contradictory is True
