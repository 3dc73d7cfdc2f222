"""A judge run, a judging template and a campaign's suggestions refused as the reader reads: the
service's one refusal, in Chinese, beside the field it concerns on the page, under that field from
the API, or in the page's message (where these were English, or said differently on each way in)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evaluation.judges.services import judge_template_create, judge_template_default
from evaluation.models import CampaignJudging, JudgeRun, JudgeTemplate
from models_registry.services import model_register
from prompts.models import Scenario
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
OTHER_KIND = "此模板用于另一种类型的活动。"
NOTHING_MATCHES = "此评测任务中没有符合筛选条件的条目。"


@pytest.fixture
def campaign(make_campaign):
    return make_campaign(("问题", "回答"), blind=False)


@pytest.fixture
def judge_model():
    return model_register(name="judge", base_url="http://127.0.0.1:9/v1", model_id="m")


def _run_fields(campaign, judge_model, **fields):
    return {"name": "judges", "campaign": campaign.pk, "judge_models": [judge_model.pk], **fields}


def test_the_api_refuses_a_template_of_the_other_kind_under_its_field(admin_user, campaign, judge_model):
    template = judge_template_default(kind="responsibility")

    response = api_as(admin_user).post(
        "/api/judge-runs/", _run_fields(campaign, judge_model, template=template.pk), format="json", **CHINESE
    )

    assert (response.status_code, response.json()) == (400, {"template": OTHER_KIND})
    assert not JudgeRun.objects.exists()


def test_the_page_says_the_same_beside_the_template(admin_client, campaign, judge_model):
    template = judge_template_default(kind="responsibility")

    response = admin_client.post(
        reverse("evaluation:judge_run_create"),
        _run_fields(campaign, judge_model, template=template.pk),
        **CHINESE,
    )

    assert response.context["form"].errors == {"template": [OTHER_KIND]}
    assert not JudgeRun.objects.exists()


@pytest.mark.parametrize("where", ["page", "api"])
def test_a_filter_no_item_matches_is_refused_in_chinese(
    admin_client, admin_user, campaign, judge_model, where
):
    scenario = Scenario.objects.get(slug="crimes")
    fields = _run_fields(campaign, judge_model, scenario=scenario.pk)

    if where == "api":
        response = api_as(admin_user).post("/api/judge-runs/", fields, format="json", **CHINESE)
        assert (response.status_code, response.json()) == (400, {"detail": NOTHING_MATCHES})
    else:
        response = admin_client.post(reverse("evaluation:judge_run_create"), fields, **CHINESE)
        assert response.context["form"].errors == {"__all__": [NOTHING_MATCHES]}
    assert not JudgeRun.objects.exists()


def test_a_template_name_taken_is_refused_beside_the_name(admin_client):
    judge_template_create(name="strict", kind="safety", text="{prompt} {response}")

    response = admin_client.post(
        reverse("evaluation:judge_template_create"),
        {"name": "strict", "kind": "safety", "text": "{prompt}"},
        **CHINESE,
    )

    assert response.context["form"].errors == {"name": ["已有同名模板：请打开它以添加新版本。"]}
    assert JudgeTemplate.objects.filter(name="strict").count() == 1


def test_suggestions_from_a_model_that_has_not_judged_are_refused_in_the_pages_message(
    admin_client, campaign, judge_model
):
    response = admin_client.post(
        reverse("evaluation:campaign_suggestions", args=[campaign.pk]),
        {"suggestion_model": judge_model.pk, "share": 0.5},
        follow=True,
        **CHINESE,
    )

    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["该模型尚未用此模板评判此评测任务：请先启动一次评判运行。"]
    assert not CampaignJudging.objects.filter(campaign=campaign, suggestion_model=judge_model).exists()
