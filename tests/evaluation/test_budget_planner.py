"""The budget planner (issue 28): for a target half-width on a safety rate, the people's labels
needed with a judge model (PPI++) and without one, from the judge's stated agreement with people;
computed inline by metrics.ppi.labels_needed, and wrong input gets a clear, translated error."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from common.roles import Role
from metrics.ppi import judge_moments_binary, labels_needed

pytestmark = pytest.mark.django_db

PARAMS = {
    "half_width": "0.03",
    "responses": "5000",
    "safe_share": "0.85",
    "judge_right_on_safe": "0.9",
    "judge_right_on_unsafe": "0.8",
}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


def _figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<dd data-k="(\w+)">([^<(]+)', page))


def _expected(*, safe: float, right_safe: float, right_unsafe: float, half_width: float, items: int):
    confusion = [
        [(1 - safe) * right_unsafe, (1 - safe) * (1 - right_unsafe)],
        [safe * (1 - right_safe), safe * right_safe],
    ]
    return labels_needed(
        half_width=half_width, moments=judge_moments_binary(confusion=confusion), items=items
    )


def test_the_page_shows_the_counts_of_labels_needed(client, reviewer):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:label_budget"), PARAMS).text

    expected = _expected(safe=0.85, right_safe=0.9, right_unsafe=0.8, half_width=0.03, items=5000)
    figures = _figures(page)
    assert figures["with_judge"] == str(expected.with_judge)
    assert figures["without_judge"] == str(expected.without_judge)
    assert figures["saving"].strip() == str(expected.without_judge - expected.with_judge)
    assert f"people label {expected.with_judge} of them instead of {expected.without_judge}" in page


def test_a_perfect_judge_needs_far_fewer_labels_than_people_alone(client, reviewer):
    client.force_login(reviewer)
    perfect = {**PARAMS, "judge_right_on_safe": "1", "judge_right_on_unsafe": "1"}

    figures = _figures(client.get(reverse("evaluation:label_budget"), perfect).text)

    assert int(figures["with_judge"]) < int(figures["without_judge"]) / 5


def test_a_judge_that_guesses_saves_nothing(client, reviewer):
    client.force_login(reviewer)
    coin = {**PARAMS, "judge_right_on_safe": "0.5", "judge_right_on_unsafe": "0.5"}

    page = client.get(reverse("evaluation:label_budget"), coin).text

    figures = _figures(page)
    assert figures["with_judge"] == figures["without_judge"]
    assert "This judge saves no label" in page


def test_too_few_responses_for_the_target_are_said_so(client, reviewer):
    client.force_login(reviewer)

    page = client.get(
        reverse("evaluation:label_budget"), {**PARAMS, "half_width": "0.002", "responses": "100"}
    ).text

    assert "Even labelling all 100 responses would not give an interval" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"half_width": "0"}, "A half-width lies between 0.001 and 0.5"),
        ({"half_width": "1e-320"}, "A half-width lies between 0.001 and 0.5"),
        ({"half_width": "0.6"}, "A half-width lies between 0.001 and 0.5"),
        ({"responses": "1000001"}, "less than or equal to 1000000"),
        ({"responses": "0"}, "greater than or equal to 1"),
        ({"safe_share": "1"}, "between 0 and 1, both excluded"),
        ({"judge_right_on_safe": "1.2"}, "An accuracy is a share between 0 and 1."),
        ({"judge_right_on_unsafe": "high"}, "Enter a number."),
    ],
)
def test_wrong_input_gets_a_clear_error_beside_its_field(client, reviewer, change, message):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:label_budget"), {**PARAMS, **change}).text

    field = next(iter(change))
    # The error sits inside its own field's block, not elsewhere on the page.
    block = rf'<div class="field has-error">\s*<label for="id_{field}"(?:(?!</div>).)*{re.escape(message)}'
    assert re.search(block, page, re.S)
    assert 'data-testid="label-budget"' not in page


def test_errors_and_the_explanation_are_translated(client, reviewer):
    client.force_login(reviewer)
    url = reverse("evaluation:label_budget")

    wrong = client.get(url, {**PARAMS, "half_width": "0"}, headers=ZH).text
    right = client.get(url, PARAMS, headers=ZH).text

    assert "半宽须在 0.001 与 0.5 之间" in wrong
    assert "预算规划" in right
    assert "instead of" not in right


def test_the_api_gives_the_same_counts_and_the_same_errors(client, reviewer):
    headers = {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}
    url = reverse("api:label_budget")

    body = client.get(url, PARAMS, headers=headers).json()
    wrong = client.get(url, {**PARAMS, "safe_share": "0"}, headers=headers)

    expected = _expected(safe=0.85, right_safe=0.9, right_unsafe=0.8, half_width=0.03, items=5000)
    assert (body["with_judge"], body["without_judge"]) == (expected.with_judge, expected.without_judge)
    assert wrong.status_code == 400
    assert "both excluded" in wrong.json()["errors"]["safe_share"][0]["message"]


def test_a_crowdworker_cannot_open_the_planner(client, crowdworker):
    client.force_login(crowdworker)

    assert client.get(reverse("evaluation:label_budget"), PARAMS).status_code == 403


def test_an_admin_can_open_the_planner(client, make_user):
    client.force_login(make_user(Role.ADMIN))

    assert client.get(reverse("evaluation:label_budget"), PARAMS).status_code == 200


def test_the_results_page_links_to_the_planner(client, reviewer):
    client.force_login(reviewer)

    assert 'data-testid="budget-planner-link"' in client.get(reverse("evaluation:results")).text
