"""The API answers in the language a person chose for themselves, also with a token (which has no
session for the language middleware to read): refusals, errors and the figures' notes."""

from __future__ import annotations

import pytest
from django.utils import translation

from common.roles import Role
from evaluation.figures import services
from evaluation.figures.selectors import FigureScope
from evaluation.models import FigureSnapshot
from people.services import user_language_set
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

ENGLISH_CLIENT = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
CHINESE_CLIENT = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


@pytest.fixture
def safety(make_campaign):
    return make_campaign(("p1", "r1"), ("p2", "r2"), n=2)


def _speaking(make_user, role: Role, language: str):
    user = make_user(role)
    user_language_set(user=user, language=language)
    return user


def test_the_items_list_refusal_comes_in_the_chinese_a_person_chose_over_an_english_client(make_user):
    client = api_as(_speaking(make_user, Role.CROWDWORKER, "zh-hans"))

    response = client.get("/api/items/", **ENGLISH_CLIENT)

    assert response.status_code == 403
    assert response.json()["detail"] == "标注员只能逐条读取自己当前领取的条目和自己评判过的条目。"
    assert response["Content-Language"] == "zh-hans"


def test_the_items_list_refusal_comes_in_english_for_a_person_who_chose_english(make_user):
    client = api_as(_speaking(make_user, Role.CROWDWORKER, "en"))

    response = client.get("/api/items/", **CHINESE_CLIENT)

    assert response.json()["detail"] == (
        "Annotators read the item they hold and the items they judged, one by one."
    )


def test_a_submit_without_a_lease_is_refused_in_chinese_with_a_token(safety, make_user):
    client = api_as(_speaking(make_user, Role.CROWDWORKER, "zh-hans"))

    response = client.post(
        "/api/judgements/", {"item": safety.items.first().pk, "safe": True}, format="json", **ENGLISH_CLIENT
    )

    assert response.status_code == 400
    assert response.json()["lease"] == "此条目没有分配给你，因此没有保存任何内容。请领取下一个条目。"


def test_without_a_choice_the_clients_language_stands(make_user):
    client = api_as(make_user(Role.CROWDWORKER))

    response = client.get("/api/items/", **CHINESE_CLIENT)

    assert response.json()["detail"] == "标注员只能逐条读取自己当前领取的条目和自己评判过的条目。"


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("zh-hans", "每个回复只计一次：范围内所有活动中对它的判断合并计算。只统计已有全部 N 个判断的条目。"),
        (
            "en",
            "Each response counts once: its judgements in every campaign of the scope are pooled. "
            "Only items that have all N judgements count.",
        ),
    ],
)
def test_the_figures_counting_note_comes_in_the_persons_language(safety, make_user, language, note):
    # Computed on a "worker" while the other language is active: the snapshot keeps no language.
    with translation.override("en" if language == "zh-hans" else "zh-hans"):
        snapshot = services.figure_snapshot_request(kind=FigureSnapshot.Kind.RESULTS, scope=FigureScope())
        services.figure_snapshot_compute(snapshot_id=snapshot.pk)
    client = api_as(_speaking(make_user, Role.REVIEWER, language))

    response = client.get("/api/results/", **(ENGLISH_CLIENT if language == "zh-hans" else CHINESE_CLIENT))

    assert response.status_code == 200
    assert response.json()["figures"]["counting"]["note"] == note
