"""The study designer (issue 28): from judges' competences (stated, or measured in an earlier
campaign), the items and judges per item that reach the target widths; a worker simulates, the
page and the API show the same result, and wrong input gets a clear, translated error."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.models import JudgeStanding
from common.roles import Role
from evaluation.design.services import study_design_request
from metrics.study_design import study_design, study_design_best

pytestmark = pytest.mark.django_db

PARAMS = {
    "competences": "0.85",
    "safe_share": "0.85",
    "score_width": "0.1",
    "alpha_width": "0.2",
    "max_judges": "4",
}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture(autouse=True)
def small_simulation(settings):
    settings.STUDY_DESIGN_PILOT_ITEMS = 400
    settings.STUDY_DESIGN_RESAMPLES = 40
    cache.clear()  # the results live in the (per process) cache
    yield
    cache.clear()


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


@pytest.fixture
def token(reviewer):
    return {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}


def _simulated(client, url, params, capture, **headers):
    with capture(execute=True):  # the eager worker runs once the request's transaction commits
        client.get(url, params, headers=headers)
    return client.get(url, params, headers=headers)


def test_the_page_shows_each_design_and_the_recommended_one(
    client, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)

    page = _simulated(
        client, reverse("evaluation:study_design"), PARAMS, django_capture_on_commit_callbacks
    ).text

    expected = study_design(
        competences=0.85,
        safe_share=0.85,
        score_width=0.1,
        alpha_width=0.2,
        judges_per_item=range(1, 5),
        pilot_items=400,
        resamples=40,
    )
    best = study_design_best(expected)
    rows = re.findall(r'<tr data-k="(\d)".*?data-k="items">([^<]+)<', page, re.S)
    assert rows == [(str(o.judges_per_item), str(o.items) if o.items else "—") for o in expected]
    assert f"Recommended: {best.judges_per_item} judges per item" in page


def test_before_the_worker_is_done_the_page_says_it_is_computing(client, reviewer):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:study_design"), PARAMS).text

    assert "Computing on a worker" in page
    assert 'hx-trigger="every 2s"' in page


def test_a_second_request_while_it_computes_queues_nothing(django_capture_on_commit_callbacks):
    from evaluation.design.forms import StudyDesignForm

    form = StudyDesignForm(PARAMS)
    assert form.is_valid()
    with django_capture_on_commit_callbacks() as queued:
        study_design_request(parameters=form.parameters())
        study_design_request(parameters=form.parameters())

    assert len(queued) == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"competences": "0.9, 0.4"}, "competences", "between 0.5 and 1 (0.5 is a coin toss): 0.4 is not"),
        ({"competences": "0.9, 1.2"}, "competences", "1.2 is not"),
        ({"competences": "0.9, high"}, "competences", "“high” is not a number"),
        ({"competences": ""}, "competences", "State the judges&#x27; competences, or choose a campaign."),
        ({"score_width": "0"}, "score_width", "A width is above 0."),
        ({"alpha_width": "-0.1"}, "alpha_width", "A width is above 0."),
        ({"safe_share": "1"}, "safe_share", "between 0 and 1, both excluded"),
        ({"max_judges": "9"}, "max_judges", "less than or equal to 7"),
    ],
)
def test_wrong_input_gets_a_clear_error_on_the_page(client, reviewer, change, field, message):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:study_design"), {**PARAMS, **change}).text

    assert message in page
    assert 'data-table="designs"' not in page


def test_errors_are_translated(client, reviewer):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:study_design"), {**PARAMS, "score_width": "0"}, headers=ZH).text

    assert "宽度须大于 0。" in page


def test_the_api_refuses_wrong_input_with_the_same_errors(client, token):
    body = client.get(reverse("api:study_design"), {**PARAMS, "competences": "0.3"}, headers=token).json()

    assert "0.3 is not" in body["errors"]["competences"][0]["message"]


def test_the_api_answers_202_then_the_same_designs_as_the_page(
    client, reviewer, token, django_capture_on_commit_callbacks
):
    url = reverse("api:study_design")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url, PARAMS, headers=token)
    body = client.get(url, PARAMS, headers=token).json()
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:study_design"), PARAMS).text

    assert first.status_code == 202
    assert body["status"] == "ready"
    rows = re.findall(
        r'<tr data-k="(\d)".*?data-k="items">([^<]+)<.*?data-k="items_for_score">(\d+)<', page, re.S
    )
    assert rows == [
        (str(d["judges_per_item"]), str(d["items"]) if d["items"] else "—", str(d["items_for_score"]))
        for d in body["designs"]
    ]
    assert [d["judges_per_item"] for d in body["designs"] if d["recommended"]] == [body["recommended"]]
    assert {"band", "alpha"} <= set(body["designs"][1]["reliability"])


def test_a_campaigns_measured_competences_set_the_pool(
    client, token, make_campaign, make_user, django_capture_on_commit_callbacks
):
    campaign = make_campaign(("p", "r"), n=2)
    for competence in (0.9, 0.8, 0.7):
        JudgeStanding.objects.create(
            campaign=campaign, user=make_user(Role.CROWDWORKER), competence=competence
        )
    url = reverse("api:study_design")
    params = {**PARAMS, "competences": "", "campaign": campaign.pk, "max_judges": "5"}

    with django_capture_on_commit_callbacks(execute=True):
        client.get(url, params, headers=token)
    body = client.get(url, params, headers=token).json()

    assert body["parameters"]["competences"] == [0.7, 0.8, 0.9]
    assert [d["judges_per_item"] for d in body["designs"]] == [1, 2, 3]  # a pool of three


def test_a_campaign_without_stored_competences_is_refused(client, token, make_campaign):
    campaign = make_campaign(("p", "r"), n=2)

    body = client.get(
        reverse("api:study_design"), {**PARAMS, "competences": "", "campaign": campaign.pk}, headers=token
    ).json()

    assert "No competence is stored for this campaign yet" in body["errors"]["campaign"][0]["message"]


def test_annotators_cannot_open_the_designer(client, crowdworker):
    client.force_login(crowdworker)

    assert client.get(reverse("evaluation:study_design"), PARAMS).status_code in (302, 403)


def test_the_results_page_links_to_the_designer(client, reviewer):
    client.force_login(reviewer)

    assert 'data-testid="study-design-link"' in client.get(reverse("evaluation:results")).text


def test_the_page_warns_when_such_judges_cannot_reach_a_reliable_alpha(
    client, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)

    page = _simulated(
        client, reverse("evaluation:study_design"), PARAMS, django_capture_on_commit_callbacks
    ).text

    assert 'data-k="alpha-warning"' in page  # judges right 85% of the time agree at α ≈ 0.3
    assert 'data-band="unreliable"' in page


def test_htmx_polls_get_only_the_designs(client, reviewer, django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    url = reverse("evaluation:study_design")

    part = _simulated(client, url, PARAMS, django_capture_on_commit_callbacks, **{"HX-Request": "true"}).text

    assert part.startswith('\n<div id="design"') or part.lstrip().startswith('<div id="design"')
    assert 'data-table="designs"' in part
    assert "<form" not in part
