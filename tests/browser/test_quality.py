from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotation.models import Adjudication, Item, JudgeExclusion
from annotation.services import judgement_submit
from common.roles import Role
from evaluation.figures.selectors import safety_results
from tests.annotation.fixtures import lease_give
from tests.annotation.quality_support import judge_next, mark, settings_set
from tests.browser.test_login_and_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_crowdworker_in_a_training_phase_reads_the_explanation_after_a_gold_item(
    page: Page, live_server, crowdworker, admin_user, make_campaign
):
    campaign = make_campaign(("gold prompt", "gold answer"), ("next prompt", "next answer"), min_seconds=0)
    mark(
        campaign.items.get(prompt__text="gold prompt"),
        "gold",
        admin_user,
        safe=False,
        explanation="<b>Harm</b>",
    )
    settings_set(campaign, gold_rate=1.0, training=True)
    log_in(page, live_server, crowdworker.username)
    page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    expect(page.locator("#pane")).to_contain_text("gold prompt")

    page.keyboard.press("1")
    page.keyboard.press("h")
    page.keyboard.press("Enter")

    explanation = page.get_by_test_id("explanation")
    expect(explanation).to_contain_text("Not the expected answer.")
    expect(explanation).to_contain_text("<b>Harm</b>")
    expect(page.locator("#pane")).to_contain_text("next prompt")


def test_a_reviewer_excludes_a_judge_and_adjudicates_a_split_item(
    page: Page, live_server, make_user, make_campaign
):
    campaign = make_campaign(("split prompt", "answer"), n=2, min_seconds=0)
    first, second = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    judge_next(first, campaign, safe=True)
    judge_next(second, campaign, safe=False)
    reviewer = make_user(Role.REVIEWER)
    log_in(page, live_server, reviewer.username)

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/quality/adjudication/")
    page.get_by_role("link", name=str(campaign.items.get().pk)).click()
    expect(page.locator('[data-table="judgements"]')).to_contain_text(first.annotator_profile.pseudonym)
    page.get_by_label("Final label").select_option("unsafe")
    page.get_by_label("Note").fill("Gives a recipe.")
    page.get_by_role("button", name="Set the final value").click()
    expect(page.get_by_text("Final value saved.")).to_be_visible()

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/quality/")
    row = page.locator(f'[data-judge="{second.annotator_profile.pseudonym}"]')
    row.get_by_placeholder("Why").fill("Contrarian.")
    row.get_by_role("button", name="Exclude").click()
    expect(
        page.locator(f'[data-judge="{second.annotator_profile.pseudonym}"] [data-k="state"]')
    ).to_have_text("excluded")

    assert Adjudication.objects.get().safe is False
    assert JudgeExclusion.objects.get().reason == "Contrarian."


def test_a_reviewer_recomputes_estimates_and_reads_a_tied_items_final_value(
    page: Page, live_server, make_user, make_campaign
):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(12)], n=2, min_seconds=0)
    careful = [make_user(Role.CROWDWORKER) for _ in range(2)]
    contrarian = make_user(Role.CROWDWORKER)
    items = list(campaign.items.order_by("pk"))
    for i, item in enumerate(items):
        truth = i % 2 == 0
        pair = [(careful[0], truth), (careful[1] if i < 10 else contrarian, truth if i < 10 else not truth)]
        for user, safe in pair:
            lease_give(user=user, item=item)
            judgement_submit(user=user, item=item, data={"safe": safe})
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/quality/")
    page.get_by_role("button", name="Recompute competence and model estimates").click()
    expect(page.get_by_text("A worker is recomputing competence and model estimates.")).to_be_visible()
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/quality/adjudication/{items[10].pk}/")

    expect(page.locator('[data-k="final"]')).to_have_text("Final value: safe (model estimate)")
    expect(page.locator('[data-k="model-estimate"]')).to_contain_text("safe")


def test_an_admin_sees_what_promoting_to_gold_changes_before_confirming_it(
    page: Page, live_server, admin_user, make_user, make_campaign
):
    campaign = make_campaign(("agreed prompt", "a"), ("split prompt", "b"), n=2, min_seconds=0)
    judges = [make_user(Role.CROWDWORKER) for _ in range(2)]
    for item in campaign.items.order_by("pk"):
        for k, judge in enumerate(judges):
            lease_give(user=judge, item=item)
            judgement_submit(
                user=judge, item=item, data={"safe": item.prompt.text == "agreed prompt" or k == 0}
            )
    (before,) = safety_results(campaigns=[campaign])
    log_in(page, live_server, admin_user.username)

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/quality/")
    page.get_by_role("link", name="Promote up to 50 unanimous items to gold…").click()

    expect(page.locator('[data-k="results-unchanged"]')).to_have_text(
        "Results do not change: the 2 judgements these items already have still count for their responses."
    )
    expect(page.locator('[data-k="gold-not-scored"]')).to_contain_text(
        "Only answers given after the promotion"
    )
    table = page.locator('[data-table="promotion"]')
    expect(table).to_contain_text("agreed prompt")
    expect(table).not_to_contain_text("split prompt")
    assert not Item.objects.filter(campaign=campaign, purpose="gold").exists()

    page.get_by_role("button", name="Promote 1 item to gold").click()

    expect(page.get_by_text("1 unanimous items promoted to gold.")).to_be_visible()
    assert list(
        Item.objects.filter(campaign=campaign, purpose="gold").values_list("prompt__text", flat=True)
    ) == ["agreed prompt"]
    (after,) = safety_results(campaigns=[campaign])
    assert (after.safety.value, after.safety.n) == (before.safety.value, before.safety.n) == (0.5, 2)
