"""An item's final value has one input (annotation.inputs.AdjudicationInput), built by the
adjudication page's form and by the API's serializer, and set by one service call: the same bad
input is refused with the same words on both ways in, and the same good input stores the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Adjudication, Campaign
from common.roles import Role
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
NO_VERDICT = {"en": "Choose safe or unsafe.", "zh": "请选择安全或不安全。"}
SCORE_OUT_OF_RANGE = {"en": "Give a score from 1 to 10.", "zh": "请给出 1 到 10 的分数。"}


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER)


@pytest.fixture
def safety(make_campaign) -> Campaign:
    return make_campaign(("p1", "r1"), ("p2", "r2"))


@pytest.fixture
def ratings(make_campaign) -> Campaign:
    return make_campaign(("p1", "r1"), ("p2", "r2"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")


def _page(client, reviewer, item, fields, headers):
    client.force_login(reviewer)
    response = client.post(reverse("quality:adjudicate", args=[item.campaign_id, item.pk]), fields, **headers)
    assert response.status_code == 400
    return [message for messages in response.context["form"].errors.values() for message in messages]


def _api(reviewer, item, fields, headers):
    response = api_as(reviewer).post(
        f"/api/campaigns/{item.campaign_id}/quality/adjudication/{item.pk}/", fields, format="json", **headers
    )
    assert response.status_code == 400
    return list(response.json().items())


@pytest.mark.parametrize(("headers", "language"), [(ENGLISH, "en"), (CHINESE, "zh")], ids=["en", "zh"])
def test_a_safety_item_without_a_verdict_is_refused_alike_on_the_page_and_the_api(
    client, reviewer, safety, headers, language
):
    item = safety.items.first()

    on_page = _page(client, reviewer, item, {"verdict": "", "note": "unsure"}, headers)
    from_api = _api(reviewer, item, {"note": "unsure"}, headers)

    assert on_page == [NO_VERDICT[language]]
    assert from_api == [("safe", NO_VERDICT[language])]
    assert not Adjudication.objects.exists()


@pytest.mark.parametrize("score", [0, 11])
def test_a_score_out_of_range_is_refused_alike_under_the_score(client, reviewer, ratings, score):
    item = ratings.items.first()

    on_page = _page(client, reviewer, item, {"score": score}, CHINESE)
    from_api = _api(reviewer, item, {"score": score}, CHINESE)

    assert on_page == [SCORE_OUT_OF_RANGE["zh"]]
    assert from_api == [("score", SCORE_OUT_OF_RANGE["zh"])]
    assert not Adjudication.objects.exists()


def test_the_page_shows_the_refusal_beside_the_score_it_concerns(client, reviewer, ratings):
    item = ratings.items.first()
    client.force_login(reviewer)

    response = client.post(reverse("quality:adjudicate", args=[ratings.pk, item.pk]), {"score": 11})

    assert response.context["form"].errors == {"score": [SCORE_OUT_OF_RANGE["en"]]}
    assert SCORE_OUT_OF_RANGE["en"] in response.text


@pytest.mark.parametrize(
    ("kind", "page_fields", "api_fields", "stored"),
    [
        ("safety", {"verdict": "unsafe"}, {"safe": False}, (False, None)),
        ("ratings", {"score": "7"}, {"score": 7}, (None, 7)),
    ],
)
def test_the_same_final_value_is_stored_from_the_page_and_the_api(
    client, reviewer, request, kind, page_fields, api_fields, stored
):
    campaign = request.getfixturevalue(kind)
    by_page, by_api = campaign.items.order_by("pk")
    client.force_login(reviewer)

    client.post(
        reverse("quality:adjudicate", args=[campaign.pk, by_page.pk]), {**page_fields, "note": " Checked. "}
    )
    api_as(reviewer).post(
        f"/api/campaigns/{campaign.pk}/quality/adjudication/{by_api.pk}/",
        {**api_fields, "note": " Checked. "},
        format="json",
    )

    rows = {
        row.item_id: (row.safe, row.score, row.note, row.by)
        for row in Adjudication.objects.filter(item__campaign=campaign)
    }
    assert rows == {
        by_page.pk: (*stored, "Checked.", reviewer),
        by_api.pk: (*stored, "Checked.", reviewer),
    }
