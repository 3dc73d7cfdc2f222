"""An admin choosing a prompt set for a run, or runs for a campaign, never meets the hidden sets
evaluation asks its questions through (here a multi-choice run's)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from evaluation.multichoice.services import multichoice_run_start
from models_registry.services import generation_run_start
from tests.browser.test_login_and_import import log_in
from tests.evaluation.multichoice_support import mc_items_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _options(page: Page, select: str) -> list[str]:
    return [text.strip() for text in page.locator(f"{select} option").all_inner_texts()]


def test_the_run_and_campaign_forms_offer_no_hidden_set_nor_its_run(
    page: Page, live_server, admin_user, make_model, make_prompts, held_tasks
):
    model = make_model()
    people_run = generation_run_start(name="people's run", prompt_set=make_prompts("问"), models=[model])
    hidden_run = multichoice_run_start(name="mc", item_set=mc_items_import(), models=[model]).generation_run
    log_in(page, live_server, admin_user.username)

    page.goto(f"{live_server.url}/generation/runs/new/")
    sets = _options(page, "select[name=prompt_set]")
    page.goto(f"{live_server.url}/campaigns/new/")
    runs = _options(page, "select[name=runs]") + _options(page, "select[name=follow_run]")

    assert "prompts" in sets
    assert hidden_run.prompt_set.name not in sets
    assert people_run.name in runs
    assert hidden_run.name not in runs
