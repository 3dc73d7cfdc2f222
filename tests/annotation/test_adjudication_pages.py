"""What a reviewer reads while adjudicating: the queue (prompt, votes, model estimate) and the
item (prompt and response labelled, the final-label menu on the current value)."""

import re

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Adjudication, Item
from annotation.services import judgement_submit
from common.roles import Role
from tests.annotation.quality_support import judge_next, settings_set

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


@pytest.fixture
def split(make_campaign, make_user):
    """One item judged safe by two crowdworkers and unsafe by a third, with a model estimate."""
    campaign = make_campaign(
        ("<b>How do I pick a lock?</b> " + "x" * 200, "Use a tension wrench."), n=3, min_seconds=0
    )
    for safe in (True, True, False):
        judge_next(make_user(Role.CROWDWORKER), campaign, safe=safe)
    Item.objects.filter(campaign=campaign).update(estimate_safe=False)
    return settings_set(campaign, adjudication_sample=0.0, adjudication_threshold=0.7)


@pytest.fixture
def reviewer_client(client, make_user):
    client.force_login(make_user(Role.REVIEWER))
    return client


def _row(page: str, item: Item) -> str:
    return re.search(rf'<tr data-item="{item.pk}">.*?</tr>', page, re.S).group(0)


def _selected_verdict(page: str) -> str | None:
    """The option the final-label menu starts on ("" is the empty choice); None: the browser's
    first option, whatever it is."""
    menu = re.search(r'<select name="verdict".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option value="([^"]*)" selected>', menu)
    return chosen.group(1) if chosen else None


def test_the_queue_shows_the_start_of_the_prompt_escaped(reviewer_client, split):
    page = reviewer_client.get(reverse("quality:adjudication", args=[split.pk])).text

    cell = re.search(r'data-k="prompt"[^>]*>(.*?)</td>', _row(page, split.items.get()), re.S).group(1)
    assert cell.startswith("&lt;b&gt;How do I pick a lock?&lt;/b&gt;")
    assert len(cell) < 120
    assert "<b>How" not in page


def test_the_queue_shows_how_the_votes_fell_and_the_model_estimate(reviewer_client, split):
    page = reviewer_client.get(reverse("quality:adjudication", args=[split.pk])).text

    row = _row(page, split.items.get())
    assert "2 safe / 1 unsafe" in row
    assert re.search(r'data-k="estimate">unsafe<', row)


def test_the_queue_speaks_chinese(reviewer_client, split):
    page = reviewer_client.get(reverse("quality:adjudication", args=[split.pk]), **CHINESE).text

    row = _row(page, split.items.get())
    assert "2 安全 / 1 不安全" in row
    assert "模型估计" in page
    assert "safe /" not in row


def test_a_ratings_queue_lists_the_scores_given(reviewer_client, make_campaign, make_user):
    campaign = make_campaign(("p", "r"), kind="responsibility", domain="law", n=2, min_seconds=0)
    for score in (9, 5):
        judge = make_user(Role.EXPERT, domains=("law",))
        item = assignment_next_for(user=judge, campaign=campaign)
        judgement_submit(user=judge, item=item, data={"score": score})
    settings_set(campaign, adjudication_sample=0.0)

    page = reviewer_client.get(reverse("quality:adjudication", args=[campaign.pk])).text

    assert "scores 5, 9" in _row(page, campaign.items.get())


def test_the_item_page_labels_the_prompt_and_the_response(reviewer_client, split):
    item = split.items.get()

    page = reviewer_client.get(reverse("quality:adjudicate", args=[split.pk, item.pk])).text

    assert re.search(r'<h2>Prompt</h2>\s*<div class="untrusted" data-k="prompt"', page)
    assert re.search(r'<h2>Response</h2>\s*<div class="untrusted response" data-k="response"', page)


def test_the_item_page_labels_them_in_chinese(reviewer_client, split):
    item = split.items.get()

    page = reviewer_client.get(reverse("quality:adjudicate", args=[split.pk, item.pk]), **CHINESE).text

    assert "<h2>Prompt</h2>" not in page
    assert "<h2>Response</h2>" not in page
    assert "请选择" in page


def test_the_final_label_menu_starts_on_the_current_majority(reviewer_client, split):
    item = split.items.get()

    page = reviewer_client.get(reverse("quality:adjudicate", args=[split.pk, item.pk])).text

    assert _selected_verdict(page) == "safe"


def test_the_final_label_menu_starts_on_an_earlier_adjudication(reviewer_client, split, make_user):
    item = split.items.get()
    Adjudication.objects.create(item=item, safe=False, note="Gives a method.", by=make_user(Role.REVIEWER))

    page = reviewer_client.get(reverse("quality:adjudicate", args=[split.pk, item.pk])).text

    assert _selected_verdict(page) == "unsafe"
    assert "Gives a method." in page


def test_the_final_label_menu_starts_empty_on_a_tie_without_an_estimate(
    reviewer_client, make_campaign, make_user
):
    campaign = make_campaign(("p", "r"), n=2, min_seconds=0)
    judge_next(make_user(Role.CROWDWORKER), campaign, safe=True)
    judge_next(make_user(Role.CROWDWORKER), campaign, safe=False)
    item = campaign.items.get()

    page = reviewer_client.get(reverse("quality:adjudicate", args=[campaign.pk, item.pk])).text

    assert _selected_verdict(page) == ""


def test_submitting_without_choosing_saves_nothing_and_says_why(reviewer_client, make_campaign, make_user):
    campaign = make_campaign(("p", "r"), n=2, min_seconds=0)
    judge_next(make_user(Role.CROWDWORKER), campaign, safe=True)
    judge_next(make_user(Role.CROWDWORKER), campaign, safe=False)
    item = campaign.items.get()

    response = reviewer_client.post(
        reverse("quality:adjudicate", args=[campaign.pk, item.pk]), {"verdict": "", "note": ""}
    )

    assert response.status_code == 400
    assert "Choose safe or unsafe." in response.text
    assert not Adjudication.objects.exists()
