"""A check item's known answer has one input (annotation.inputs.CheckAnswer), built by the quality
page's form and by the API's serializer, and set by one service call: the same bad answer is
refused with the same words on both ways in, and the same good answer stores the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Campaign, ItemPurpose
from tests.annotation.quality_support import PAIRS
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
NO_KNOWN_VERDICT = "请给出已知答案：安全或不安全。"
NO_SCORE_RANGE = "请给出可接受的评分范围，1 到 10。"


@pytest.fixture
def safety(make_campaign) -> Campaign:
    return make_campaign(*PAIRS)


@pytest.fixture
def ratings(make_campaign) -> Campaign:
    return make_campaign(("p1", "r1"), ("p2", "r2"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")


def _page(client, item, fields) -> list[str]:
    response = client.post(
        reverse("quality:check_item", args=[item.campaign_id]),
        {"item": item.pk, "purpose": "gold", **fields},
        follow=True,
        **CHINESE,
    )
    return [str(message) for message in response.context["messages"]]


def _api(admin_user, item, fields):
    response = api_as(admin_user).post(
        f"/api/campaigns/{item.campaign_id}/quality/check-items/",
        {"item": item.pk, "purpose": "gold", **fields},
        format="json",
        **CHINESE,
    )
    assert response.status_code == 400
    return response.json()


def test_a_safety_answer_without_its_verdict_is_refused_alike(admin_client, admin_user, safety):
    item = safety.items.first()

    assert _page(admin_client, item, {"explanation": "x"}) == [NO_KNOWN_VERDICT]
    assert _api(admin_user, item, {"explanation": "x"}) == {"safe": NO_KNOWN_VERDICT}
    item.refresh_from_db()
    assert item.purpose == ItemPurpose.REGULAR


@pytest.mark.parametrize(("low", "high"), [(0, 5), (3, 11), (9, 3)])
def test_a_score_range_outside_1_to_10_is_refused_alike(admin_client, admin_user, ratings, low, high):
    item = ratings.items.first()
    fields = {"score_min": low, "score_max": high}

    assert _page(admin_client, item, fields) == [NO_SCORE_RANGE]
    assert _api(admin_user, item, fields) == {"score_min": NO_SCORE_RANGE}
    item.refresh_from_db()
    assert item.purpose == ItemPurpose.REGULAR


@pytest.mark.parametrize(
    ("kind", "page_fields", "api_fields"),
    [
        (
            "safety",
            {"safe": "unsafe", "response_types": ["risky"]},
            {"safe": False, "response_types": ["risky"]},
        ),
        ("ratings", {"score_min": "7", "score_max": "10"}, {"score_min": 7, "score_max": 10}),
    ],
)
def test_the_same_known_answer_is_stored_from_the_page_and_the_api(
    admin_client, admin_user, request, kind, page_fields, api_fields
):
    campaign = request.getfixturevalue(kind)
    by_page, by_api = campaign.items.order_by("pk")[:2]

    admin_client.post(
        reverse("quality:check_item", args=[campaign.pk]),
        {"item": by_page.pk, "purpose": "gold", "explanation": " Why. ", **page_fields},
    )
    api_as(admin_user).post(
        f"/api/campaigns/{campaign.pk}/quality/check-items/",
        {"item": by_api.pk, "purpose": "gold", "explanation": " Why. ", **api_fields},
        format="json",
    )

    fields = (
        "purpose",
        "gold_safe",
        "gold_response_types",
        "gold_score_min",
        "gold_score_max",
        "gold_explanation",
    )
    stored = {item_id: rest for item_id, *rest in campaign.items.values_list("pk", *fields)}
    assert stored[by_page.pk] == stored[by_api.pk]
    assert stored[by_page.pk][0] == ItemPurpose.GOLD
