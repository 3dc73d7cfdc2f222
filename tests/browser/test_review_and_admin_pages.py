"""In Chromium: a reviewer finds the quality pages from the menu and adjudicates from a queue that
says what each item is; an admin opens a draft campaign; the run form counts matching prompts."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from annotation.models import Adjudication, Campaign, Item
from common.roles import Role
from models_registry.generation import generation_batch_execute
from models_registry.services import generation_run_create, generation_run_start
from prompts.models import Level, Prompt
from tests.annotation.quality_support import judge_next, settings_set
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_goes_from_the_menu_to_a_split_item_and_the_menu_starts_on_its_majority(
    page: Page, live_server, make_user, make_campaign
):
    campaign = make_campaign(
        ("Tell me how to <i>pick</i> a lock", "Use a tension wrench."), n=3, min_seconds=0
    )
    for safe in (True, True, False):
        judge_next(make_user(Role.CROWDWORKER), campaign, safe=safe)
    Item.objects.filter(campaign=campaign).update(estimate_safe=True)
    settings_set(campaign, adjudication_sample=0.0, adjudication_threshold=0.7)
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.get_by_role("navigation").get_by_role("link", name="Quality").click()
    page.locator(f'[data-campaign="{campaign.pk}"]').get_by_role("link", name="Adjudication queue").click()
    row = page.locator(f'[data-item="{campaign.items.get().pk}"]')
    expect(row.locator('[data-k="prompt"]')).to_have_text("Tell me how to <i>pick</i> a lock")
    expect(row.locator('[data-k="votes"]')).to_have_text("2 safe / 1 unsafe")
    expect(row.locator('[data-k="estimate"]')).to_have_text("safe")
    row.get_by_role("link").click()

    expect(page.get_by_role("heading", name="Prompt")).to_be_visible()
    expect(page.get_by_role("heading", name="Response")).to_be_visible()
    expect(page.get_by_label("Final label")).to_have_value("safe")
    page.get_by_label("Final label").select_option("unsafe")
    page.get_by_role("button", name="Set the final value").click()
    expect(page.get_by_text("Final value saved.")).to_be_visible()

    assert Adjudication.objects.get().safe is False


def test_an_admin_sees_a_draft_offer_only_open_and_hears_that_it_opened(
    page: Page, live_server, admin_user, make_campaign
):
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    actions = page.locator(".actions")
    expect(actions.get_by_role("button")).to_have_text(["Open"])

    actions.get_by_role("button", name="Open").click()

    expect(page.get_by_text("The campaign is open: judges can take its items.")).to_be_visible()
    expect(actions.get_by_role("button")).to_have_text(["Pause", "Close"])


def test_the_new_campaign_form_says_items_will_come_from_a_run_still_answering(
    page: Page, live_server, admin_user, make_model, make_prompts
):
    run = generation_run_create(name="nightly", prompt_set=make_prompts("a", "b"), models=[make_model()])
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/campaigns/new/")
    page.get_by_label("Kind").select_option("safety")

    page.get_by_label("Follow a run").select_option(str(run.pk))

    expect(page.locator("#item-preview")).to_contain_text("No answer from this run yet")
    expect(page.locator("#item-preview")).not_to_contain_text("nothing to judge")


def test_the_run_form_counts_matching_prompts_as_the_filters_change(
    page: Page, live_server, admin_user, make_model, make_prompts
):
    prompt_set = make_prompts("s1", "s2", "s3", name="mixed")
    Prompt.objects.create(
        prompt_set=prompt_set, external_id="r1", level=Level.RESPONSIBILITY, source="test", text="r1"
    )
    model = make_model(samples_per_prompt=2)
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/generation/runs/new/")
    count = page.locator("#prompt-count")
    expect(count).to_contain_text("Choose a prompt set")

    page.get_by_label("Prompt set").select_option(str(prompt_set.pk))
    expect(count).to_contain_text("4 prompts match.")
    page.get_by_label("Level").select_option(Level.RESPONSIBILITY)
    expect(count).to_contain_text("1 prompt matches.")
    page.get_by_label(str(model)).check()
    expect(count).to_contain_text("that is 2 answers to fetch")


def test_a_run_page_says_it_waits_for_the_model_until_the_first_answer_comes(
    page: Page, live_server, admin_user, make_model, make_prompts, held_tasks
):
    run = generation_run_start(name="slow", prompt_set=make_prompts("a", "b"), models=[make_model()])
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/generation/runs/{run.pk}/")
    expect(page.locator('[data-k="waiting"]')).to_contain_text("Waiting for the model's first answer")

    def work() -> None:
        for batch in held_tasks:
            generation_batch_execute(response_ids=batch, claim="browser-test")
        # The thread's own connection would keep the test database from being dropped.
        connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=30)

    expect(page.locator("#run-progress")).to_contain_text("2 of 2 done", timeout=10_000)
    expect(page.locator('[data-k="waiting"]')).to_have_count(0)
