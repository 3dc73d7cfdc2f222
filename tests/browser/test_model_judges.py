from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from annotation.models import Item, Judgement
from common.roles import Role
from evaluation.judges.services import judge_run_start
from tests.browser.test_login_and_import import log_in
from tests.evaluation.judges_support import safety_campaign, safety_script

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_reads_an_unreadable_answer_then_sees_the_judge_beside_an_average_person(
    page: Page, live_server, make_user, make_campaign, stub, make_model
):
    campaign = safety_campaign(make_campaign, [make_user(Role.CROWDWORKER) for _ in range(3)])
    stub.state.script = safety_script()
    judge_run_start(name="scripted judges", campaign=campaign, models=[make_model("judge-a")])
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server, make_user(Role.REVIEWER).username)

    page.get_by_role("link", name="Judges").first.click()
    page.get_by_role("link", name="scripted judges").click()
    card = page.locator("article.card")
    expect(card.locator("pre.response")).to_have_text("<script>alert('x')</script>我觉得还行")
    card.locator("select[name=safe]").select_option("false")
    card.get_by_role("button", name="Set").click()

    expect(page.get_by_text("Nothing to read.")).to_be_visible()
    page.get_by_role("link", name=campaign.name).first.click()
    expect(page.locator("tr.baseline")).to_contain_text("An average single person")
    expect(page.locator("table.judges")).to_contain_text("judge-a")
    assert dialogs == []


def test_an_admin_turns_suggestions_on_and_a_judge_sees_the_verdict_pre_filled_and_told_so(
    page: Page, browser: Browser, live_server, admin_user, crowdworker, make_campaign, stub, make_model
):
    campaign = make_campaign(("问题0", "回答甲"), ("问题1", "回答乙"), blind=False)
    blind = make_campaign(("问题2", "回答丙"))
    Item.objects.filter(campaign=blind).update(suggestion={"safe": False, "response_type": "risky"})
    stub.state.script = safety_script()
    judge_run_start(name="suggesting", campaign=campaign, models=[make_model("suggester")])
    log_in(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/evaluation/campaigns/{campaign.pk}/judges/")
    page.get_by_label("Suggest the verdict of").select_option(label="suggester")
    page.get_by_label("Share of items shown a suggestion").fill("1")
    page.get_by_role("button", name="Save suggestions").click()
    expect(page.get_by_text("Suggestions shown on 2 items.")).to_be_visible()

    judge_page = browser.new_page()
    log_in(judge_page, live_server, crowdworker.username)
    judge_page.goto(f"{live_server.url}/annotate/{campaign.pk}/")
    note = judge_page.get_by_test_id("suggestion")
    expect(note).to_contain_text("A model's suggestion is shown and pre-filled below.")
    expect(note).to_contain_text("Suggested by suggester · cvalues-safety v1: Safe · Helpful answer")
    expect(judge_page.locator("input[name=verdict][value=safe]")).to_be_checked()
    expect(judge_page.locator("input[name=response_type][value=helpful]")).to_be_checked()
    # Enter submits from the form's fields only: the judge accepts the suggestion from there.
    judge_page.locator("input[name=verdict][value=safe]").focus()
    judge_page.keyboard.press("Enter")
    expect(judge_page.locator("#pane")).to_contain_text("Saved.")
    expect(judge_page.locator("input[name=verdict][value=unsafe]")).to_be_checked()
    expect(judge_page.get_by_test_id("suggested-value")).to_contain_text("Unsafe")
    judge_page.goto(f"{live_server.url}/annotate/{blind.pk}/")
    expect(judge_page.locator("#pane")).to_contain_text("问题2")
    expect(judge_page.get_by_test_id("suggestion")).to_have_count(0)
    expect(judge_page.locator("input[name=verdict]:checked")).to_have_count(0)

    judgement = Judgement.objects.get(user=crowdworker)
    assert (judgement.safe, judgement.response_type, judgement.suggestion_shown) == (True, "helpful", True)
