"""Small samples do not look certain: a figure on fewer items than FIGURES_MIN_ITEMS is greyed
with a note (and marked ``too_few`` in the API), an interval that does not exist reads "—", and a
tied item says how the tie was decided instead of calling it a majority."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item
from common.roles import Role
from evaluation.figures.selectors import FigureScope, agreement_figures, results_figures
from evaluation.templatetags.estimates import interval
from tests.config.api_support import api_as
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

SAFE, UNSAFE = {"safe": True}, {"safe": False}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


@pytest.fixture
def few(make_campaign, make_user):
    """Four items, two judges each: one unanimous safe, one unanimous unsafe, two tied 1–1."""
    campaign = make_campaign(*[(p, f"r{p}") for p in "abcd"], n=2)
    judges = [make_user(Role.CROWDWORKER) for _ in range(2)]
    judge(
        judges, campaign, {"a": [SAFE, SAFE], "b": [UNSAFE, UNSAFE], "c": [SAFE, UNSAFE], "d": [UNSAFE, SAFE]}
    )
    return campaign


def _page(client, url, **headers):
    client.get(url, headers=headers)  # queues the computation, which the eager worker runs
    return client.get(url, headers=headers).text


def test_results_on_fewer_items_than_the_minimum_are_marked_too_few(few):
    figures = results_figures(FigureScope(campaign_ids=(few.pk,)))

    (row,) = figures["leaderboard"]
    assert figures["min_items"] == 30
    assert (row["safety"]["n"], row["safety"]["too_few"]) == (4, True)
    assert row["safety_dawid_skene"]["too_few"] is True


def test_the_minimum_is_a_setting(few, settings):
    settings.FIGURES_MIN_ITEMS = 4

    figures = results_figures(FigureScope(campaign_ids=(few.pk,)))

    (row,) = figures["leaderboard"]
    assert (figures["min_items"], row["safety"]["too_few"]) == (4, False)


def test_agreement_on_fewer_items_than_the_minimum_is_marked_too_few(few):
    section = agreement_figures(FigureScope(campaign_ids=(few.pk,)))["safety"]

    assert section["too_few"] is True
    assert all(c["too_few"] for c in section["coefficients"] if c["items"] is not None)
    assert all(g["too_few"] for g in section["by_group"])


@pytest.mark.parametrize(
    ("headers", "note", "rule"),
    [
        ({}, "too few to read: 4 items, fewer than 30", "A figure on fewer than 30 items is greyed"),
        (ZH, "太少，不宜解读：4 个条目，少于 30 个", "基于少于 30 个条目的数据以灰色显示"),
    ],
)
def test_the_results_page_greys_a_figure_on_too_few_items_with_a_note(
    client, reviewer, few, worker_runs, headers, note, rule
):
    client.force_login(reviewer)

    page = _page(client, reverse("evaluation:campaign_results", args=[few.pk]), **headers)

    assert '<td class="too-few" data-k="safety">25.0%' in page  # still given, greyed
    assert note in page
    assert rule in page


AGREEMENT, RESULTS = "evaluation:campaign_agreement", "evaluation:campaign_results"
GREY_FLEISS, GREY_SAFETY = (
    '<td class="too-few" data-k="Fleiss&#x27; κ">',
    '<td class="too-few" data-k="safety">',
)
TIES_EN = "2 responses whose judges tied have no model estimate yet: the tie counts them unsafe."
TIES_ZH = "2 个回复的评判者平票且尚无模型估计：平票计为不安全。"


@pytest.mark.parametrize(
    ("view", "headers", "note", "greyed"),
    [
        (AGREEMENT, {}, "Agreement on fewer than 30 items is too few to read", GREY_FLEISS),
        (AGREEMENT, ZH, "基于少于 30 个条目的一致性太少，不宜解读", GREY_FLEISS),
        (RESULTS, {}, TIES_EN, GREY_SAFETY),
        (RESULTS, ZH, TIES_ZH, GREY_SAFETY),
    ],
)
def test_the_pages_say_what_their_figures_rest_on(
    client, reviewer, few, worker_runs, view, headers, note, greyed
):
    """The agreement page: too few items for its coefficients; the results page: how many ties
    the tie rule decided."""
    client.force_login(reviewer)

    page = _page(client, reverse(view, args=[few.pk]), **headers)

    assert note in page
    assert greyed in page


def test_figures_on_enough_items_are_not_greyed(client, reviewer, few, worker_runs, settings):
    settings.FIGURES_MIN_ITEMS = 2
    client.force_login(reviewer)

    page = _page(client, reverse("evaluation:campaign_results", args=[few.pk]))

    assert '<td class="" data-k="safety">25.0%' in page
    assert 'data-k="too-few"' not in page


def test_the_api_marks_figures_on_too_few_items(few, reviewer, worker_runs):
    client = api_as(reviewer)
    client.get(f"/api/campaigns/{few.pk}/results/")

    figures = client.get(f"/api/campaigns/{few.pk}/results/").json()["figures"]

    assert figures["min_items"] == 30
    assert figures["leaderboard"][0]["safety"]["too_few"] is True


def test_an_interval_that_does_not_exist_reads_as_a_dash_never_empty_brackets():
    assert interval({"value": 7.0, "ci_low": None, "ci_high": None}) == "—"
    assert interval({"value": 7.0, "ci_low": float("nan"), "ci_high": float("nan")}) == "—"
    assert interval(None) == "—"
    assert interval({"ci_low": 0.25, "ci_high": 0.5}, "pct") == "[25.0%, 50.0%]"


def test_a_mean_of_one_item_shows_a_dash_for_its_interval(
    client, reviewer, make_campaign, make_user, worker_runs
):
    campaign = make_campaign(("a", "ra"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=1)
    expert = make_user(Role.EXPERT, domains=["law"])
    judge([expert], campaign, {"a": [{"score": 7}]})
    client.force_login(reviewer)

    page = _page(client, reverse("evaluation:campaign_results", args=[campaign.pk]))

    assert "[, ]" not in page
    assert 'data-k="responsibility">7.00' in page
    assert "<small>— n=1</small>" in page


@pytest.mark.parametrize(
    ("headers", "tie", "source"),
    [({}, "tie", "tie: counted unsafe"), (ZH, "平票", "平票：计为不安全")],
)
def test_a_tied_item_says_it_tied_and_how_the_tie_was_decided(client, reviewer, few, headers, tie, source):
    client.force_login(reviewer)
    tied = Item.objects.get(campaign=few, prompt__text="c")

    page = client.get(reverse("evaluation:item_detail", args=[tied.pk]), headers=headers).text

    assert f'data-k="majority">{tie}<' in page
    assert f'data-k="source">{source}<' in page


def test_the_finals_api_names_a_tie_without_a_model_estimate(few, reviewer):
    rows = api_as(reviewer).get(f"/api/campaigns/{few.pk}/quality/finals/").json()

    sources = {Item.objects.get(pk=r["item"]).prompt.text: r["source"] for r in rows}
    assert sources == {"a": "unanimous", "b": "unanimous", "c": "tie_unsafe", "d": "tie_unsafe"}
