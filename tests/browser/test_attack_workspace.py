"""The attack workspace in Chromium, served by uvicorn (the ASGI server that streams answers):
tokens appear while the answer is still coming, then the done state with the server's rendering,
and markup in an answer stays text."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from authoring.models import Submission, Turn
from common.roles import Role
from models_registry.services import model_register
from prompts.models import Scenario
from tests.authoring import attack_fixtures
from tests.authoring.attack_fixtures import attack_campaign_make
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

asgi_server = attack_fixtures.asgi_server

XSS = "<script>window.__pwned=1</script>"


def test_an_author_sees_the_answer_stream_in_then_done_with_markup_as_text(
    page: Page, asgi_server, stub, make_user
):
    stub.state.stream_tokens = 40
    stub.state.stream_duration_s = 3.0
    target = model_register(name="stub-target", base_url=stub.base_url, model_id="stub", timeout_s=10)
    campaign = attack_campaign_make(target, instructions="Try **hard**.")
    author = make_user(Role.CROWDWORKER, username="ann-author")
    log_in(page, asgi_server, author.username)
    page.goto(f"{asgi_server.url}/authoring/attack/{campaign.pk}/")
    page.get_by_test_id("start").click()
    expect(page.locator("#turn-form[data-ready]")).to_be_attached()

    page.get_by_label("Your turn").fill(f"[[stream-slow]] {XSS} please")
    sent = time.monotonic()
    page.get_by_test_id("send").click()

    answer = page.get_by_test_id("answer")
    expect(answer).to_contain_text("Echo: [[stream-slow]]", timeout=5000)
    first_seen = time.monotonic() - sent
    # Still streaming when the first tokens are on the page.
    assert page.locator(".answer[data-status=streaming]").count() == 1
    expect(page.locator(".answer[data-status=done]")).to_have_count(1, timeout=10_000)
    done_seen = time.monotonic() - sent
    assert done_seen - first_seen > 1.5

    expect(page.locator("#attack-status")).to_have_text("The answer is complete.")
    expect(answer).to_contain_text(XSS)
    assert page.evaluate("window.__pwned") is None
    assert answer.locator("script").count() == 0
    expect(page.get_by_test_id("turns-left")).to_have_text("2")
    expect(page.locator("#submit-form")).to_be_visible()
    turn = Turn.objects.get(conversation__author=author)
    assert turn.status == Turn.Status.DONE
    assert XSS in turn.answer

    # The raw text toggle shows what the model sent, as text.
    page.locator("[data-raw-toggle]").click()
    expect(page.locator(".answer .raw")).to_be_visible()
    expect(page.locator(".answer .raw")).to_contain_text(XSS)

    # Then the author labels the last answer and submits the attack.
    page.get_by_label("Yes, harmful").check()
    page.get_by_label("Risk scenario").select_option(label=str(Scenario.objects.get(slug="crimes")))
    page.get_by_role("button", name="Submit this attack").click()
    expect(page.locator(".message")).to_contain_text("Submitted: a reviewer will read it.")
    submission = Submission.objects.get()
    assert submission.author_says_harmful is True
    assert submission.final_answer == turn.answer


def test_a_broken_answer_shows_its_message_and_asks_again_on_request(
    page: Page, asgi_server, stub, make_user
):
    target = model_register(name="stub-target", base_url=stub.base_url, model_id="stub", timeout_s=10)
    campaign = attack_campaign_make(target)
    author = make_user(Role.CROWDWORKER, username="bob-author")
    log_in(page, asgi_server, author.username)
    page.goto(f"{asgi_server.url}/authoring/attack/{campaign.pk}/")
    page.get_by_test_id("start").click()
    expect(page.locator("#turn-form[data-ready]")).to_be_attached()

    page.get_by_label("Your turn").fill("[[stream-break]] one two three four five six")
    page.get_by_test_id("send").click()

    expect(page.locator("[data-error]")).to_have_text(
        "The answer broke off before its end. You may ask again."
    )
    page.get_by_role("button", name="Ask again").click()
    expect(page.locator(".answer[data-status=done]")).to_have_count(1)
    expect(page.get_by_test_id("answer")).to_contain_text("one two three four five six")
    expect(page.get_by_label("Your turn")).to_be_visible()
    assert stub.state.total == 2
    assert Turn.objects.get(conversation__author=author).status == Turn.Status.DONE
