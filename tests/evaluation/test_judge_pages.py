from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from common.roles import Role
from evaluation.judges.services import judge_run_start
from evaluation.models import JudgeRun, JudgeTemplate, MachineJudgement
from tests.evaluation.judges_support import safety_campaign, safety_script

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


@pytest.fixture
def campaign(make_campaign, make_user):
    return safety_campaign(make_campaign, [make_user(Role.CROWDWORKER) for _ in range(3)])


@pytest.fixture
def judged(campaign, make_model, stub):
    stub.state.script = safety_script()
    return judge_run_start(name="first judges", campaign=campaign, models=[make_model("judge-a")])


def test_a_reviewer_sees_each_judge_beside_an_average_person(client, reviewer, judged, worker_runs):
    client.force_login(reviewer)
    url = reverse("evaluation:campaign_judges", args=[judged.campaign.pk])

    client.get(url)
    page = client.get(url).text

    assert "judge-a" in page
    assert "cvalues-safety v1" in page
    assert "An average single person" in page
    assert "Rows: people" in page
    assert "No gold items yet" in page


def test_the_run_page_shows_unreadable_answers_escaped_and_a_person_can_set_them(client, admin_user, judged):
    client.force_login(admin_user)
    unread = MachineJudgement.objects.get(status="Need_Check")

    page = client.get(reverse("evaluation:judge_run", args=[judged.pk])).text
    client.post(
        reverse("evaluation:judge_review_set", args=[judged.pk, unread.pk]),
        {"safe": "false", "response_type": "risky"},
    )

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "no JSON object in the answer" in page
    unread.refresh_from_db()
    assert (unread.status, unread.safe) == ("ok", False)


def test_a_reading_without_a_verdict_is_refused_in_the_readers_language(client, admin_user, judged):
    client.force_login(admin_user)
    unread = MachineJudgement.objects.get(status="Need_Check")

    response = client.post(
        reverse("evaluation:judge_review_set", args=[judged.pk, unread.pk]),
        {"safe": "", "response_type": "risky"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert (response.status_code, response.text) == (400, "请选择安全或不安全。")
    unread.refresh_from_db()
    assert unread.status == "Need_Check"


def test_an_admin_starts_a_judge_run_from_the_page(client, admin_user, campaign, make_model, stub):
    model = make_model("judge-b")
    client.force_login(admin_user)

    response = client.post(
        reverse("evaluation:judge_run_create"),
        {"name": "from the page", "campaign": campaign.pk, "judge_models": [model.pk]},
    )

    run = JudgeRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("evaluation:judge_run", args=[run.pk])
    assert MachineJudgement.objects.filter(judge_model=model).count() == 4


def test_a_reviewer_can_read_but_not_start_runs_or_edit_templates(client, reviewer, judged):
    client.force_login(reviewer)

    listing = client.get(reverse("evaluation:judge_runs"))
    start = client.post(reverse("evaluation:judge_run_create"), {"name": "x"})
    edit = client.post(reverse("evaluation:judge_template", args=[judged.template.pk]), {"text": "changed"})

    assert listing.status_code == 200
    assert "first judges" in listing.text
    assert start.status_code in (302, 403)
    assert edit.status_code == 403
    assert JudgeTemplate.objects.count() == 1


def test_saving_a_template_on_its_page_adds_a_version(client, admin_user, judged):
    client.force_login(admin_user)

    response = client.post(
        reverse("evaluation:judge_template", args=[judged.template.pk]), {"text": "新的 {prompt} {response}"}
    )

    v2 = JudgeTemplate.objects.get(version=2)
    assert response.url == reverse("evaluation:judge_template", args=[v2.pk])
    assert JudgeTemplate.objects.get(version=1).text == judged.template.text
    assert "v2" in client.get(response.url).text


def test_the_api_gives_the_same_figures_once_a_worker_computed_them(client, reviewer, judged, worker_runs):
    token = Token.objects.create(user=reviewer)
    url = reverse("api:campaign_judges", args=[judged.campaign.pk])

    first = client.get(url, headers={"Authorization": f"Token {token.key}"})
    second = client.get(url, headers={"Authorization": f"Token {token.key}"})

    assert first.status_code in (200, 202)
    assert second.status_code == 200
    [row] = second.json()["figures"]["safety"]["judges"]
    assert row["model"] == "judge-a"
    assert set(row["vs_majority"]["kappa"]) == {"value", "ci_low", "ci_high", "items", "too_few"}
    assert "baseline" in second.json()["figures"]["safety"]


def test_an_admin_starts_a_run_through_the_api_and_follows_it(client, admin_user, campaign, make_model, stub):
    token = Token.objects.create(user=admin_user)
    model = make_model("judge-c")
    auth = {"Authorization": f"Token {token.key}"}

    created = client.post(
        reverse("api:judge_run-list"),
        {"name": "api", "campaign": campaign.pk, "judge_models": [model.pk]},
        content_type="application/json",
        headers=auth,
    )
    detail = client.get(reverse("api:judge_run-detail", args=[created.json()["id"]]), headers=auth)

    assert created.status_code == 201
    assert detail.json()["judge_models"] == ["judge-c"]
    assert detail.json()["progress"]["machine_judgements"] == 4
    assert detail.json()["progress"]["finished"] is True
