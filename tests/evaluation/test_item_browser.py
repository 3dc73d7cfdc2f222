"""The item browser: only reviewers and admins; search in prompts and responses; filters by
campaign, model, scenario, domain, agreement, flags and final value, in the database and in
agreement with the final values every page uses; untrusted text escaped; htmx gets the results."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annotation.quality.selectors import item_final_values
from annotation.quality.services import item_adjudicate
from annotation.services import judgement_void
from common.roles import Role
from evaluation.items.selectors import FINAL_FILTERS, items_browsable
from tests.evaluation.item_browser_support import browsable_build

pytestmark = pytest.mark.django_db

URL = "/evaluation/items/"


@pytest.fixture
def site(make_user, make_campaign):
    return browsable_build(make_user, make_campaign)


@pytest.fixture
def reviewer_client(client, make_user):
    client.force_login(make_user(Role.REVIEWER))
    return client


def _ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-item="(\d+)"', response.text)]


def _pks(site, *names) -> list[int]:
    return sorted(site.items[n].pk for n in names)


def test_the_item_browser_is_listed_at_its_url():
    assert reverse("evaluation:items") == URL


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
def test_annotators_are_refused_the_item_browser_and_its_actions(client, make_user, site, role):
    client.force_login(make_user(role))

    assert client.get(URL).status_code == 403
    response = client.post(
        reverse("evaluation:item_bulk"), {"items": [site.items["a"].pk], "action": "void", "reason": "x"}
    )
    assert response.status_code == 403


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN])
def test_reviewers_and_admins_see_every_regular_item(client, make_user, site, role):
    client.force_login(make_user(role))

    response = client.get(URL)

    assert response.status_code == 200
    assert _ids(response) == _pks(site, "a", "b", "c", "d", "tie", "rated")


def test_the_search_finds_words_in_prompts_and_in_responses_in_any_case(reviewer_client, site):
    assert _ids(reviewer_client.get(URL, {"q": "pick a LOCK"})) == _pks(site, "b")
    assert _ids(reviewer_client.get(URL, {"q": "neighbour"})) == _pks(site, "a", "rated")
    assert _ids(reviewer_client.get(URL, {"q": "文明交流"})) == _pks(site, "c")


@pytest.mark.parametrize(
    ("agreement", "expected"),
    [("unanimous", ["a"]), ("split", ["b", "tie", "rated"]), ("few", ["c", "d"])],
)
def test_the_agreement_filter_counts_only_the_judgements_that_count(
    reviewer_client, site, agreement, expected
):
    assert _ids(reviewer_client.get(URL, {"agreement": agreement})) == _pks(site, *expected)


@pytest.mark.parametrize(
    ("final", "expected"),
    [("safe", ["a", "b", "tie"]), ("unsafe", ["c"]), ("none", ["d"]), ("low", ["rated"]), ("high", [])],
)
def test_the_final_value_filter(reviewer_client, site, final, expected):
    assert _ids(reviewer_client.get(URL, {"final": final})) == _pks(site, *expected)


def test_campaign_model_scenario_domain_and_flag_filters_combine(reviewer_client, site):
    safety = site.safety
    model = site.items["a"].model

    assert _ids(reviewer_client.get(URL, {"campaign": site.ratings.pk})) == _pks(site, "rated")
    assert _ids(reviewer_client.get(URL, {"model": model.pk, "final": "safe"})) == _pks(site, "a", "b", "tie")
    assert _ids(reviewer_client.get(URL, {"scenario": site.items["a"].prompt.scenario_id})) == _pks(site, "a")
    assert _ids(reviewer_client.get(URL, {"domain": site.items["rated"].domain_id})) == _pks(site, "rated")
    assert _ids(reviewer_client.get(URL, {"flagged": "yes"})) == _pks(site, "c")
    assert _ids(
        reviewer_client.get(URL, {"campaign": safety.pk, "flagged": "no", "agreement": "few"})
    ) == _pks(site, "d")


def test_a_voided_judgement_leaves_the_votes_agreement_flags_and_final_value(
    reviewer_client, site, make_user
):
    reviewer = make_user(Role.REVIEWER)
    judgement_void(judgement=site.items["b"].judgements.get(safe=False), by=reviewer, reason="misclick")
    judgement_void(judgement=site.items["c"].judgements.get(), by=reviewer, reason="clicked through")

    assert site.items["b"].pk in _ids(reviewer_client.get(URL, {"agreement": "unanimous"}))
    assert site.items["c"].pk in _ids(reviewer_client.get(URL, {"final": "none"}))
    assert site.items["c"].pk not in _ids(reviewer_client.get(URL, {"flagged": "yes"}))


def test_the_final_value_filter_agrees_with_the_final_values_of_every_page(site, make_user):
    item_adjudicate(item=site.items["b"], by=make_user(Role.REVIEWER), data={"safe": False})
    finals = item_final_values([site.safety.pk, site.ratings.pk])

    for name, condition in FINAL_FILTERS.items():
        filtered = set(items_browsable().filter(condition).values_list("pk", flat=True))
        expected = set()
        for item in items_browsable():
            final = finals.get(item.pk)
            value = final.value if final else None
            safety = item.campaign.kind == "safety"
            expected.add(item.pk) if {
                "safe": safety and value is True,
                "unsafe": safety and value is False,
                "low": not safety and value is not None and value < 5,
                "high": not safety and value is not None and value >= 5,
                "none": value is None,
            }[name] else None
        assert filtered == expected, name


def test_prompts_with_markup_are_shown_as_text(reviewer_client, site):
    response = reviewer_client.get(URL, {"q": "bake"})

    assert "Bake bread &lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text


def test_a_filter_change_from_htmx_gets_only_the_results(reviewer_client, site):
    response = reviewer_client.get(URL, {"final": "unsafe"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="item-results">')
    assert _ids(response) == _pks(site, "c")


def test_a_filter_that_makes_no_sense_filters_nothing_rather_than_failing(reviewer_client, site):
    response = reviewer_client.get(URL, {"final": "maybe", "campaign": "x"})

    assert response.status_code == 200
    assert len(_ids(response)) == 6


def test_the_page_holds_fifty_items_and_counts_them_all(reviewer_client, make_campaign):
    make_campaign(*[(f"prompt {i}", f"answer {i}") for i in range(55)], n=1)

    first = reviewer_client.get(URL)
    second = reviewer_client.get(URL, {"page": 2})

    assert len(_ids(first)) == 50
    assert len(_ids(second)) == 5
    assert "55 items match." in first.text
