"""The New campaign page shows a service's refusal beside the field it concerns, in the reader's
words, as the API answers it under that field."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotation.models import Campaign
from models_registry.services import generation_run_create
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grouping_the_samples_of_a_followed_run_is_refused_beside_group_samples(
    page: Page, live_server, admin_user, make_model, make_prompts
):
    run = generation_run_create(name="nightly", prompt_set=make_prompts("a", "b"), models=[make_model()])
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/campaigns/new/")
    page.locator("#id_name").fill("grouped")
    page.get_by_label("Kind").select_option("responsibility")
    page.get_by_label("Follow a run").select_option(str(run.pk))
    page.get_by_label("Group samples").check()

    page.get_by_role("button", name="Create (as a draft)").click()

    field = page.locator(".field", has=page.get_by_label("Group samples"))
    expect(field.locator(".error")).to_have_text(
        "A campaign that follows a run holds one response per item: do not group samples."
    )
    expect(page.get_by_label("Break reminder (minutes)")).to_have_value(str(Campaign.BREAK_AFTER_MINUTES))
    assert not Campaign.objects.exists()
