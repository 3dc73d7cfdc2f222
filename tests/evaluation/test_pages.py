from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.models import Campaign, Item
from common.roles import Role
from evaluation.models import FigureSnapshot
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"
HX = {"HX-Request": "true"}


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


@pytest.fixture
def judged(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), ("b", f"rb {XSS}"), n=2)
    users = [make_user(Role.CROWDWORKER) for _ in range(2)]
    judge(users, campaign, {"a": [{"safe": True}] * 2, "b": [{"safe": True}, {"safe": False}]})
    return campaign


def test_a_reviewer_sees_the_leaderboard_with_its_intervals(client, reviewer, judged, worker_runs):
    client.force_login(reviewer)

    client.get(reverse("evaluation:campaign_results", args=[judged.pk]))  # queues the computation
    page = client.get(reverse("evaluation:campaign_results", args=[judged.pk])).text

    model = Item.objects.filter(campaign=judged).first().model.name
    assert model in page
    assert 'data-k="safety">50.0%' in page
    assert "Computed at" in page
    assert 'id="chart-safety"' in page


def test_a_page_never_computes_while_the_reviewer_waits(client, reviewer, judged, no_worker):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:results")).text

    assert "Computing on a worker" in page
    assert 'hx-trigger="every 2s"' in page
    assert FigureSnapshot.objects.get().payload is None
    no_worker.assert_called_once()


def test_the_polling_request_gets_only_the_figures_block(client, reviewer, judged, no_worker):
    client.force_login(reviewer)
    client.get(reverse("evaluation:agreement"))

    part = client.get(reverse("evaluation:agreement"), headers=HX).text

    assert part.lstrip().startswith('<div id="figures"')
    assert "<html" not in part


def test_the_agreement_page_lists_coefficients_annotators_and_split_items(
    client, reviewer, judged, worker_runs
):
    client.force_login(reviewer)

    client.get(reverse("evaluation:campaign_agreement", args=[judged.pk]))
    page = client.get(reverse("evaluation:campaign_agreement", args=[judged.pk])).text

    assert "Gwet&#x27;s AC1" in page
    assert "Krippendorff&#x27;s α (nominal)" in page
    split = Item.objects.get(campaign=judged, prompt__text="b")
    assert reverse("evaluation:item_detail", args=[split.pk]) in page
    assert "1 safe / 1 unsafe" in page


def test_the_item_page_shows_model_output_as_escaped_text(client, reviewer, judged):
    client.force_login(reviewer)
    item = Item.objects.get(campaign=judged, prompt__text="b")

    page = client.get(reverse("evaluation:item_detail", args=[item.pk])).text

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert page.count("carl") == 0
    assert "unsafe" in page


def test_a_tampered_filter_is_reported_and_computes_nothing(client, reviewer, judged, no_worker):
    client.force_login(reviewer)

    response = client.get(reverse("evaluation:results"), {"model": "999999", "since": "yesterday"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert "Enter a valid date" in response.text
    assert not FigureSnapshot.objects.exists()


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
@pytest.mark.parametrize(
    "url",
    [
        lambda c, i: reverse("evaluation:results"),
        lambda c, i: reverse("evaluation:agreement"),
        lambda c, i: reverse("evaluation:campaign_results", args=[c.pk]),
        lambda c, i: reverse("evaluation:campaign_agreement", args=[c.pk]),
        lambda c, i: reverse("evaluation:item_detail", args=[i.pk]),
        lambda c, i: reverse("api:results"),
        lambda c, i: reverse("api:campaign_agreement", args=[c.pk]),
    ],
)
def test_annotators_cannot_open_dashboards_items_or_their_api(client, make_user, judged, role, url):
    client.force_login(make_user(role))

    response = client.get(url(judged, Item.objects.filter(campaign=judged).first()))

    assert response.status_code == 403


def test_annotators_cannot_ask_for_a_recompute(client, crowdworker, judged, no_worker):
    snapshot = FigureSnapshot.objects.create(kind="results", key="k", scope={}, status="ready")
    client.force_login(crowdworker)

    response = client.post(reverse("evaluation:snapshot_recompute", args=[snapshot.pk]))

    assert response.status_code == 403
    no_worker.assert_not_called()


def test_anonymous_visitors_are_sent_to_log_in(client, judged):
    response = client.get(reverse("evaluation:results"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_recompute_goes_back_to_the_page_but_never_off_site(client, reviewer, judged, no_worker):
    snapshot = FigureSnapshot.objects.create(kind="results", key="k", scope={}, status="ready")
    client.force_login(reviewer)
    page = reverse("evaluation:results") + "?model="

    back = client.post(reverse("evaluation:snapshot_recompute", args=[snapshot.pk]), {"next": page})
    away = client.post(
        reverse("evaluation:snapshot_recompute", args=[snapshot.pk]), {"next": "https://evil.example/"}
    )

    assert back["Location"] == page
    assert away["Location"] == reverse("evaluation:results")
    assert FigureSnapshot.objects.get().status == FigureSnapshot.Status.PENDING
    no_worker.assert_called_once()


def test_the_api_answers_202_while_computing_then_the_figures(client, reviewer, judged, no_worker):
    token = Token.objects.create(user=reviewer)
    auth = {"Authorization": f"Token {token.key}"}
    url = reverse("api:campaign_results", args=[judged.pk])

    waiting = client.get(url, headers=auth)
    from evaluation.figures.services import figure_snapshot_compute

    figure_snapshot_compute(snapshot_id=FigureSnapshot.objects.get().pk)
    ready = client.get(url, headers=auth)

    assert waiting.status_code == 202
    assert waiting["Retry-After"] == "2"
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["judgements"] == 4
    assert body["figures"]["safety"][0]["safety"]["value"] == 0.5


def test_the_api_rejects_tampered_filters_with_400(client, reviewer, judged):
    client.force_login(reviewer)

    response = client.get(reverse("api:results"), {"campaigns": "abc"})

    assert response.status_code == 400
    assert "campaigns" in response.json()["errors"]


def test_the_schema_describes_the_figures_endpoints(client, reviewer):
    client.force_login(reviewer)

    schema = client.get(reverse("api:schema")).text

    assert "/api/results/" in schema
    assert "/api/campaigns/{campaign_id}/agreement/" in schema


def test_reviewers_see_results_and_agreement_in_the_menu(client, reviewer, crowdworker):
    client.force_login(reviewer)
    as_reviewer = client.get(reverse("home")).text
    client.force_login(crowdworker)
    as_crowdworker = client.get(reverse("home")).text

    assert reverse("evaluation:results") in as_reviewer
    assert reverse("evaluation:results") not in as_crowdworker


def test_responsibility_campaigns_get_their_own_table(
    client, reviewer, make_campaign, make_user, worker_runs
):
    law = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=1)
    judge([make_user(Role.EXPERT, domains=("law",))], law, {"q": [{"score": 8}]})
    client.force_login(reviewer)

    client.get(reverse("evaluation:campaign_results", args=[law.pk]))
    page = client.get(reverse("evaluation:campaign_results", args=[law.pk])).text

    assert 'data-k="responsibility">8.00' in page
    assert 'data-table="domains"' in page


def test_a_day_out_of_range_is_refused_before_anything_is_computed(client, reviewer, judged, no_worker):
    client.force_login(reviewer)

    response = client.get(reverse("evaluation:results"), {"until": "9999-12-31"})

    assert response.status_code == 200
    assert "Pick a day between" in response.text
    assert not FigureSnapshot.objects.exists()
