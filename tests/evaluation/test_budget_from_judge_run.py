"""The budget planner fed by a judge run (issue 28): instead of the stated agreement, the judge's
measured agreement with people (the people × judge confusion on the items both labelled, or the
paired moments for ratings) gives the labels needed with the judge and without it; on the page
(choose a judge run) and in the API (``judge_run=<id>``), with a clear error when too few items
are labelled by both."""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.models import Campaign
from common.roles import Role
from metrics.ppi import judge_moments, labels_needed
from tests.evaluation.ppi_support import judge_labels, people_judge, sampled_campaign, stored_judge_run

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER)


def _judged(make_user, kind: str = Campaign.Kind.SAFETY, prompts: int = 40):
    """Every item judged by people (no sample) and by a judge run."""
    sampled = sampled_campaign(make_user, kind=kind, prompts=prompts)
    people_judge(make_user, sampled)
    labels = judge_labels(sampled)
    run = stored_judge_run(sampled.campaign, labels, name="measured judge")
    ids = sorted(sampled.truth)
    y = np.asarray([sampled.truth[i] for i in ids])
    yhat = np.asarray([labels[i] for i in ids])
    return run, y, yhat


def _figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<dd data-k="(\w+)">([^<(]+)', page))


def test_the_page_plans_from_the_agreement_a_judge_run_measured(client, reviewer, make_user):
    run, y, yhat = _judged(make_user)
    client.force_login(reviewer)

    page = client.get(
        reverse("evaluation:label_budget"), {"half_width": "0.03", "responses": "5000", "judge_run": run.pk}
    ).text

    expected = labels_needed(half_width=0.03, moments=judge_moments(y=y, yhat=yhat), items=5000)
    figures = _figures(page)
    assert figures["with_judge"] == str(expected.with_judge)
    assert figures["without_judge"] == str(expected.without_judge)
    assert "measured on the judge run measured judge" in page
    unsafe_unsafe = int(np.sum((y == 0) & (yhat == 0)))
    assert f"People unsafe: judge unsafe {unsafe_unsafe}," in page


def test_the_api_plans_a_rating_from_the_judge_runs_paired_moments(client, reviewer, make_user):
    run, y, yhat = _judged(make_user, kind=Campaign.Kind.RESPONSIBILITY)
    auth = {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}

    body = client.get(
        reverse("api:label_budget"),
        {"half_width": "0.2", "responses": "2000", "judge_run": run.pk},
        headers=auth,
    ).json()

    moments = judge_moments(y=y, yhat=yhat)
    expected = labels_needed(half_width=0.2, moments=moments, items=2000)
    assert (body["with_judge"], body["without_judge"]) == (expected.with_judge, expected.without_judge)
    assert body["measured"]["items"] == y.size
    assert body["measured"]["moments"]["cov"] == pytest.approx(moments.cov, abs=1e-12)
    assert body["measured"]["confusion"] is None


def test_a_run_with_too_few_items_labelled_by_both_is_refused_on_the_page_and_in_the_api(
    client, reviewer, make_user
):
    run, _y, _yhat = _judged(make_user, prompts=5)
    client.force_login(reviewer)
    params = {"half_width": "0.03", "responses": "5000", "judge_run": run.pk}

    page = client.get(reverse("evaluation:label_budget"), params, headers=ZH).text
    api = client.get(reverse("api:label_budget"), params)

    assert "该评判运行与人工共同标注的条目只有 10 个；测量评判模型与人工的一致性至少需要 30 个。" in page
    assert 'data-testid="label-budget"' not in page
    assert api.status_code == 400
    assert api.json()["errors"]["judge_run"][0]["message"].startswith(
        "This judge run and people both labelled 10 items; at least 30"
    )


def test_without_a_judge_run_the_stated_agreement_is_still_required(client, reviewer):
    client.force_login(reviewer)

    api = client.get(reverse("api:label_budget"), {"half_width": "0.03", "responses": "5000"})

    assert api.status_code == 400
    assert set(api.json()["errors"]) == {"safe_share", "judge_right_on_safe", "judge_right_on_unsafe"}
