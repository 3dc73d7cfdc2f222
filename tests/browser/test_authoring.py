"""The write page in a real browser: typing, pasting and an input method counted apart (the
evidence a reviewer reads), the near-duplicate check, the submit, and the break reminder."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import Page, expect

from authoring.inputs import ReviewInput, SubmissionInput
from authoring.models import AuthoringCampaign, Submission
from authoring.services import submission_review, submission_submit
from common.roles import Role
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _provenance(page: Page) -> dict:
    return json.loads(page.locator("input[name=provenance]").input_value())


def _open(page: Page, live_server, user, campaign) -> None:
    log_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/authoring/campaigns/{campaign.pk}/write/")


def test_typed_and_pasted_characters_are_counted_apart_and_submitted_as_evidence(
    page: Page, live_server, expert, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _open(page, live_server, expert, campaign)
    box = page.get_by_label("Prompt")

    box.click()
    page.keyboard.type("abc", delay=50)
    page.evaluate("navigator.clipboard.writeText('copied text')")
    page.keyboard.press("ControlOrMeta+V")

    expect(box).to_have_value("abccopied text")
    figures = _provenance(page)["text"]
    assert figures["typed"] == 3
    assert figures["pasted"] == len("copied text")
    assert figures["typing_ms"] > 0

    page.get_by_role("button", name="Submit for review").click()

    expect(page.locator(".message")).to_contain_text("Submitted")
    provenance = Submission.objects.get().provenance["text"]
    assert (provenance["typed"], provenance["pasted"]) == (3, 11)


def test_text_composed_with_an_input_method_counts_as_typed_not_pasted(
    page: Page, live_server, expert, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    _open(page, live_server, expert, campaign)
    page.get_by_label("Prompt").click()
    cdp = page.context.new_cdp_session(page)

    # What a pinyin input method does: letters under composition, then the characters committed.
    cdp.send("Input.imeSetComposition", {"text": "nihao", "selectionStart": 5, "selectionEnd": 5})
    cdp.send("Input.insertText", {"text": "你好"})

    expect(page.get_by_label("Prompt")).to_have_value("你好")
    figures = _provenance(page)["text"]
    assert figures["pasted"] == 0
    assert figures["typed"] == 2


def test_the_near_duplicate_check_shows_nothing_like_it_for_a_new_prompt(
    page: Page, live_server, expert, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    _open(page, live_server, expert, campaign)
    page.get_by_label("Prompt").fill("离婚时婚前房产如何分割？")

    page.get_by_role("button", name="Check for near-duplicates").click()

    expect(page.locator("#near-duplicates")).to_contain_text(
        "No accepted prompt of this set is very like yours."
    )


def test_the_write_page_suggests_a_break_after_the_campaigns_minutes(
    page: Page, live_server, expert, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, break_after_minutes=1)
    page.clock.install()
    _open(page, live_server, expert, campaign)
    reminder = page.locator("#break-reminder")

    for _ in range(8):
        page.mouse.move(10, 10)
        page.mouse.move(20, 20)
        page.clock.run_for(10_000)

    expect(reminder).to_be_visible()
    expect(reminder).to_contain_text("You have been writing for 1 minute.")


def test_near_duplicates_appear_while_the_author_writes(
    page: Page, live_server, expert, make_authoring, make_user
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    accepted = "夫妻一方婚前购买的房产，婚后共同还贷，离婚时应该如何分割？"
    done = submission_submit(
        campaign=campaign, user=expert, data=SubmissionInput(text=accepted, submit_key=uuid.uuid4())
    )
    submission_review(
        submission=done.submission, user=make_user(Role.REVIEWER), data=ReviewInput(decision="accept")
    )
    _open(page, live_server, expert, campaign)

    page.get_by_label("Prompt").fill("夫妻一方婚前购买的房产，婚后共同还贷，离婚时该如何分割呢")

    expect(page.locator("#near-duplicates")).to_contain_text(accepted)
    expect(page.locator("#near-duplicates")).to_contain_text("very like yours")
