"""The judging page in a real browser: focus and announcements after each item, Enter only from
the form's fields, shortcuts that can be turned off, a phone's stacked layout, the raw text of an
answer, the content warning and the break reminder."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotation.models import Campaign, ContentWarningSeen, Judgement, Skip
from people.models import AnnotatorProfile
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(page: Page, live_server, user, campaign: Campaign) -> None:
    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")


def test_after_a_submit_the_new_item_has_the_focus_and_is_announced(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "a1"), ("second prompt", "a2"))
    _open(page, live_server, crowdworker, campaign)

    page.keyboard.press("1")
    page.keyboard.press("Enter")

    expect(page.locator(".prompt")).to_contain_text("second prompt")
    expect(page.locator("#item-heading")).to_be_focused()
    expect(page.locator("#item-heading")).to_have_text("Item 2")
    expect(page.locator("#announcer")).to_have_text("Saved. Item 2. 1 of 2 done, about a minute left.")


def test_enter_on_skip_skips_and_saves_nothing(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("first prompt", "a1"), ("second prompt", "a2"))
    _open(page, live_server, crowdworker, campaign)
    page.locator('input[value="safe"]').check()

    page.get_by_role("button", name="Skip").focus()
    page.keyboard.press("Enter")

    expect(page.locator("#pane")).to_contain_text("Skipped.")
    expect(page.locator(".prompt")).to_contain_text("second prompt")
    assert not Judgement.objects.exists()
    assert Skip.objects.get().item.prompt.text == "first prompt"


def test_enter_on_a_link_follows_it_and_enter_outside_the_form_submits_nothing(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "a1"))
    _open(page, live_server, crowdworker, campaign)
    page.locator('input[value="safe"]').check()

    page.locator("#item-heading").focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert not Judgement.objects.exists()
    page.get_by_role("link", name="Your judgements").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/annotate/{campaign.pk}/mine/")
    assert not Judgement.objects.exists()


def test_enter_on_a_chosen_answer_submits(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("first prompt", "a1"))
    _open(page, live_server, crowdworker, campaign)

    page.get_by_label("Unsafe").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")

    expect(page.locator("#pane")).to_contain_text("No items left for you")
    assert Judgement.objects.get().safe is False


def test_single_key_shortcuts_can_be_turned_off_and_stay_off(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "a1"), ("second prompt", "a2"))
    _open(page, live_server, crowdworker, campaign)

    page.get_by_role("button", name="Shortcuts").click()
    page.get_by_role("button", name="Turn single-key shortcuts off").click()
    expect(page.locator("#workspace")).to_have_attribute("data-shortcuts", "off")
    page.locator("#item-heading").focus()
    page.keyboard.press("2")
    page.keyboard.press("s")
    page.keyboard.press("?")

    expect(page.locator('input[name="verdict"]:checked')).to_have_count(0)
    expect(page.locator(".prompt")).to_contain_text("first prompt")
    expect(page.locator("#shortcuts")).to_be_hidden()
    expect(page.get_by_role("button", name="Skip")).to_be_visible()
    expect(page.locator("[data-skip] kbd")).to_be_hidden()
    assert AnnotatorProfile.objects.get(user=crowdworker).shortcuts is False
    # A choice made by hand still submits with Enter.
    page.get_by_label("Unsafe").check()
    page.keyboard.press("Enter")
    expect(page.locator(".prompt")).to_contain_text("second prompt")

    page.context.clear_cookies()
    _open(page, live_server, crowdworker, campaign)
    expect(page.locator("#workspace")).to_have_attribute("data-shortcuts", "off")


def test_the_key_hints_on_submit_and_skip_are_readable(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("p", "a"))
    _open(page, live_server, crowdworker, campaign)

    for selector in ("#judge-form button[type=submit] kbd", "[data-skip] kbd"):
        hint = page.locator(selector)
        expect(hint).to_be_visible()
        colour, background = hint.evaluate(
            "el => [getComputedStyle(el).color, getComputedStyle(el.closest('button')).backgroundColor]"
        )
        own = hint.evaluate("el => getComputedStyle(el).backgroundColor")
        # The letter's colour differs from what it is drawn on (a white box held white text).
        assert colour != own
        assert colour != background or own != background


def test_prompt_and_response_stack_on_a_phone(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("first prompt", "a1"))
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, live_server, crowdworker, campaign)

    prompt = page.locator(".prompt").bounding_box()
    response = page.locator(".response").bounding_box()

    assert response["y"] >= prompt["y"] + prompt["height"]
    assert prompt["width"] > 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_raw_toggle_shows_the_answer_as_written(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("p1", "Be **careful** <b>now</b>"), ("p2", "Then **this**"))
    _open(page, live_server, crowdworker, campaign)
    expect(page.locator(".response .rendered strong")).to_have_text("careful")
    expect(page.locator(".response .raw")).to_be_hidden()

    toggle = page.get_by_role("button", name="Raw text")
    toggle.click()

    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".response .raw")).to_have_text("Be **careful** <b>now</b>")
    expect(page.locator(".response .rendered")).to_be_hidden()
    assert page.locator(".response b").count() == 0
    # Kept for the next item.
    page.locator('input[value="safe"]').check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".response .raw")).to_have_text("Then **this**")
    expect(page.get_by_role("button", name="Raw text")).to_have_attribute("aria-pressed", "true")


def test_a_score_below_5_puts_the_cursor_in_the_rewrite_box_beside_its_error(
    page: Page, live_server, expert, make_campaign
):
    campaign = make_campaign(("law question", "weak answer"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    _open(page, live_server, expert, campaign)

    page.keyboard.press("3")
    page.keyboard.press("Enter")

    expect(page.locator("#rewrite")).to_be_focused()
    expect(page.locator("#rewrite-error")).to_have_text("A score below 5 needs your rewritten answer.")
    assert page.locator("#rewrite").evaluate("el => el.previousElementSibling.id") == "rewrite-error"


def test_the_content_warning_comes_first_once(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("first prompt", "a1"), content_warning=True)
    _open(page, live_server, crowdworker, campaign)
    expect(page.get_by_role("heading", name="Content warning")).to_be_visible()
    expect(page.locator(".prompt")).to_have_count(0)

    page.get_by_role("button", name="I understand: start judging").click()
    expect(page.locator(".prompt")).to_contain_text("first prompt")
    page.reload()

    expect(page.locator(".prompt")).to_contain_text("first prompt")
    assert ContentWarningSeen.objects.filter(user=crowdworker, campaign=campaign).count() == 1


def test_the_break_reminder_comes_after_the_campaigns_minutes_of_judging_and_goes_when_dismissed(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "a1"), break_after_minutes=1)
    page.clock.install()
    _open(page, live_server, crowdworker, campaign)
    reminder = page.locator("#break-reminder")

    for _ in range(5):
        page.mouse.move(10, 10)
        page.mouse.move(20, 20)
        page.clock.run_for(10_000)
    expect(reminder).to_be_hidden()
    for _ in range(3):
        page.mouse.move(10, 10)
        page.mouse.move(20, 20)
        page.clock.run_for(10_000)

    expect(reminder).to_be_visible()
    expect(reminder).to_contain_text("You have been judging for 1 minute.")
    page.get_by_role("button", name="Keep going").click()
    expect(reminder).to_be_hidden()


def test_time_away_from_the_page_does_not_count_towards_a_break(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "a1"), break_after_minutes=2)
    page.clock.install()
    _open(page, live_server, crowdworker, campaign)

    # Reading counts for a minute after the last sign of life; the next three do not.
    page.clock.run_for(4 * 60_000)

    expect(page.locator("#break-reminder")).to_be_hidden()


def test_i_dont_want_to_read_this_takes_the_item_away_without_a_skip(
    page: Page, live_server, crowdworker, make_campaign
):
    campaign = make_campaign(("first prompt", "a1"), ("second prompt", "a2"))
    _open(page, live_server, crowdworker, campaign)

    page.get_by_role("button", name="I don't want to read this").click()

    expect(page.locator(".prompt")).to_contain_text("second prompt")
    expect(page.locator("#item-heading")).to_be_focused()
    assert Skip.objects.get().kind == Skip.Kind.OPTED_OUT


def test_a_forbidden_page_leads_back_home(page: Page, live_server, crowdworker, make_campaign):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    _open(page, live_server, crowdworker, campaign)

    page.get_by_role("link", name="Back to your home page").click()

    expect(page).to_have_url(f"{live_server.url}/")


def test_a_conversation_shows_its_earlier_turns_above_the_last_and_a_script_in_them_stays_text(
    page: Page, live_server, crowdworker, make_campaign
):
    from prompts.models import Prompt

    campaign = make_campaign(("the last turn", "an answer"), ("a single prompt", "a2"))
    Prompt.objects.filter(text="the last turn").update(
        messages=[
            {"role": "user", "content": "<script>window.ran = true</script>an earlier question"},
            {"role": "assistant", "content": "an earlier answer"},
        ]
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _open(page, live_server, crowdworker, campaign)

    turns = page.get_by_test_id("conversation").locator(".turn")
    expect(turns).to_have_count(2)
    expect(turns.nth(0)).to_have_text("User <script>window.ran = true</script>an earlier question")
    expect(turns.nth(1)).to_have_text("Assistant an earlier answer")
    earlier = page.get_by_text("an earlier answer").bounding_box()
    last = page.locator(".prompt").get_by_text("the last turn").bounding_box()
    assert earlier["y"] < last["y"]
    assert page.evaluate("window.ran") is None

    page.keyboard.press("1")
    page.keyboard.press("Enter")

    expect(page.locator(".prompt")).to_contain_text("a single prompt")
    expect(page.get_by_test_id("conversation")).to_have_count(0)
    assert Judgement.objects.get().item.prompt.text == "the last turn"
    assert dialogs == []
