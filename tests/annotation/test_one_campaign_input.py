"""A new campaign has one input (annotation.inputs.CampaignInput), built by the New campaign page's
form and by the API's serializer, and created by one service call, which refuses in the reader's
language under the field the refusal concerns. Its defaults, the break reminder's among them, are
written once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from annotation.models import Campaign
from tests.config.api_support import api_as
from tests.conftest import REPO

pytestmark = pytest.mark.django_db

GROUPED = "A campaign that follows a run holds one response per item: do not group samples."
GROUPED_ZH = "跟随生成任务的评测任务每个条目只含一条回答：请不要合并样本。"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


@pytest.mark.parametrize(("headers", "words"), [(ENGLISH, GROUPED), (CHINESE, GROUPED_ZH)], ids=["en", "zh"])
def test_the_api_refuses_grouped_samples_in_a_followed_run_under_that_field(
    followed_run, admin_user, headers, words
):
    response = api_as(admin_user).post(
        "/api/campaigns/",
        {"name": "grouped", "kind": "responsibility", "follow_run": followed_run.pk, "group_samples": True},
        format="json",
        **headers,
    )

    assert (response.status_code, response.json()) == (400, {"group_samples": words})
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(("headers", "words"), [(ENGLISH, GROUPED), (CHINESE, GROUPED_ZH)], ids=["en", "zh"])
def test_the_new_campaign_page_shows_the_same_refusal_in_its_form(admin_client, followed_run, headers, words):
    response = admin_client.post(
        reverse("campaigns:create"),
        {
            "name": "grouped",
            "kind": "responsibility",
            "follow_run": followed_run.pk,
            "group_samples": "on",
            "lease_minutes": 10,
        },
        **headers,
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"group_samples": [words]}
    assert not Campaign.objects.exists()


def test_the_page_and_the_api_leave_the_break_reminder_at_its_one_default(admin_client, admin_user):
    run_page = _run()
    admin_client.post(
        reverse("campaigns:create"),
        {"name": "page", "kind": "safety", "follow_run": run_page.pk, "lease_minutes": 10},
    )
    api_as(admin_user).post(
        "/api/campaigns/", {"name": "api", "kind": "safety", "follow_run": run_page.pk}, format="json"
    )

    assert set(Campaign.objects.values_list("name", "break_after_minutes")) == {
        ("page", Campaign.BREAK_AFTER_MINUTES),
        ("api", Campaign.BREAK_AFTER_MINUTES),
    }


def _run():
    from models_registry.models import GenerationRun
    from prompts.models import PromptSet

    return GenerationRun.objects.create(name="followed", prompt_set=PromptSet.objects.create(name="s"))


def _break_defaults_written(path: Path) -> list[str]:
    """Numbers given as the break reminder's value or default anywhere but on the model."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        values: list[ast.AST] = []
        if isinstance(node, ast.keyword) and node.arg == "break_after_minutes":
            values.append(node.value)
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "break_after_minutes" for t in node.targets
        ):
            values += [
                k.value for k in getattr(node.value, "keywords", []) if k.arg in ("initial", "default")
            ]
        if isinstance(node, ast.arguments):
            pairs = [
                *zip(reversed(node.args), reversed(node.defaults), strict=False),
                *zip(node.kwonlyargs, node.kw_defaults, strict=True),
            ]
            values += [d for a, d in pairs if a.arg == "break_after_minutes" and d is not None]
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get" and node.args[:1]:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value == "break_after_minutes":
                values += node.args[1:]
        found += [
            f"{path.relative_to(REPO)}:{value.lineno}"
            for value in values
            for inner in ast.walk(value)
            if isinstance(inner, ast.Constant) and type(inner.value) is int and inner.value > 0
        ]
    return found


def test_the_break_reminder_default_is_written_once_on_the_campaign():
    found = [
        place
        for app in ("annotation", "evaluation", "config")
        for path in sorted(Path(REPO, app).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "models.py"
        for place in _break_defaults_written(path)
    ]

    assert found == []
