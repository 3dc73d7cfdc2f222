"""Reviewer and admin pages: models registered and prompts browsed in the app, every list in
pages, a preview of the item count, runs offering only what they can do, readable errors, the
reviewer's way into each campaign, display names in the figures."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item
from common.roles import Role
from evaluation.models import Export
from models_registry.models import GenerationRun, RegisteredModel
from models_registry.services import model_register
from prompts.models import Level, Prompt, PromptSet
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db


def test_an_admin_registers_a_model_in_the_app(admin_client):
    admin_client.post(
        reverse("models_registry:model_create"),
        {
            "name": "qwen-local",
            "display_name": "Qwen (local)",
            "base_url": "http://127.0.0.1:8089/v1",
            "model_id": "qwen",
            "api_key_env": "VALUELENS_KEY_QWEN",
            "is_active": "on",
            "temperature": "0.7",
            "top_p": "1.0",
            "max_tokens": "256",
            "stop": "[]",
            "samples_per_prompt": "1",
            "timeout_s": "60",
            "max_retries": "2",
            "max_concurrency": "4",
        },
    )

    model = RegisteredModel.objects.get()
    assert (model.name, str(model), model.api_key_env) == ("qwen-local", "Qwen (local)", "VALUELENS_KEY_QWEN")


def test_the_models_page_links_to_the_apps_own_forms_not_django_admin(admin_client):
    model = model_register(name="m1", base_url="http://127.0.0.1:9/v1", model_id="m")

    page = admin_client.get(reverse("models_registry:model_list")).text

    assert reverse("models_registry:model_create") in page
    assert reverse("models_registry:model_edit", args=[model.pk]) in page
    assert "/admin/models_registry" not in page


def test_editing_a_model_keeps_its_registry_name(admin_client):
    model = model_register(name="m1", base_url="http://127.0.0.1:9/v1", model_id="m")
    form = admin_client.get(reverse("models_registry:model_edit", args=[model.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(name="renamed", display_name="Model one", stop="[]", is_active="on")

    admin_client.post(reverse("models_registry:model_edit", args=[model.pk]), data)

    model.refresh_from_db()
    assert (model.name, model.display_name) == ("m1", "Model one")


def test_only_admins_register_models(client, make_user):
    client.force_login(make_user(Role.REVIEWER))

    assert client.get(reverse("models_registry:model_create")).status_code == 403


@pytest.fixture
def prompts_to_browse():
    first = PromptSet.objects.create(name="first")
    second = PromptSet.objects.create(name="second")
    Prompt.objects.create(
        prompt_set=first, external_id="a1", level=Level.SAFETY, source="t", text="如何保护个人隐私？"
    )
    Prompt.objects.create(
        prompt_set=first, external_id="a2", level=Level.SAFETY, source="t", text="How to pick a lock"
    )
    Prompt.objects.create(
        prompt_set=second, external_id="b1", level=Level.RESPONSIBILITY, source="t", text="隐私与法律的关系"
    )
    return first, second


def test_the_prompt_browser_searches_the_text(admin_client, prompts_to_browse):
    page = admin_client.get(reverse("prompts:browse"), {"q": "隐私"})

    assert [p.external_id for p in page.context["page"]] == ["a1", "b1"]


def test_the_prompt_browser_filters_by_set_and_level(admin_client, prompts_to_browse):
    first, _second = prompts_to_browse

    page = admin_client.get(
        reverse("prompts:browse"), {"prompt_set": first.pk, "level": "safety", "q": "lock"}
    )

    assert [p.external_id for p in page.context["page"]] == ["a2"]


def test_the_prompt_browser_marks_each_prompt_with_its_language(admin_client, prompts_to_browse):
    page = admin_client.get(reverse("prompts:browse")).text

    assert '<td lang="zh">如何保护个人隐私？</td>' in page
    assert '<td lang="en">How to pick a lock</td>' in page


def test_the_prompt_browser_goes_on_past_the_first_page(admin_client):
    prompt_set = PromptSet.objects.create(name="many")
    Prompt.objects.bulk_create(
        Prompt(prompt_set=prompt_set, external_id=f"{i:03d}", level=Level.SAFETY, source="t", text=f"p{i}")
        for i in range(120)
    )

    last = admin_client.get(reverse("prompts:browse"), {"q": "p", "page": 3})

    assert len(last.context["page"]) == 20
    assert 'rel="prev"' in last.text
    assert "?q=p&amp;page=2" in last.text


def test_the_campaign_list_is_paginated_rather_than_cut_off(admin_client, make_campaign):
    for _ in range(51):
        make_campaign(("p", "r"))

    second = admin_client.get(reverse("campaigns:list"), {"page": 2})

    assert len(second.context["rows"]) == 1


def test_creating_a_campaign_previews_its_item_count(admin_client, make_campaign):
    make_campaign(("p1", "r1"), ("p2", "r2"))

    preview = admin_client.get(reverse("campaigns:preview"), {"kind": "safety", "lease_minutes": 10}).text

    assert "<b>2</b> items" in preview


def test_the_preview_says_when_nothing_would_be_judged(admin_client, make_campaign):
    make_campaign(("p1", "r1"))

    preview = admin_client.get(
        reverse("campaigns:preview"), {"kind": "responsibility", "lease_minutes": 10}
    ).text

    assert "nothing to judge" in preview


def test_a_finished_run_offers_neither_cancel_nor_resume(admin_client):
    prompt_set = PromptSet.objects.create(name="s")
    run = GenerationRun.objects.create(
        name="done", prompt_set=prompt_set, status=GenerationRun.Status.FINISHED
    )

    page = admin_client.get(reverse("models_registry:run_detail", args=[run.pk])).text

    assert reverse("models_registry:run_action", args=[run.pk, "cancel"]) not in page
    assert reverse("models_registry:run_action", args=[run.pk, "resume"]) not in page


def test_a_cancelled_run_can_be_resumed(admin_client):
    prompt_set = PromptSet.objects.create(name="s")
    run = GenerationRun.objects.create(
        name="stopped", prompt_set=prompt_set, status=GenerationRun.Status.CANCELLED
    )

    page = admin_client.get(reverse("models_registry:run_detail", args=[run.pk])).text

    assert reverse("models_registry:run_action", args=[run.pk, "resume"]) in page


def test_a_failed_export_explains_itself_without_a_traceback_in_view(admin_client):
    export = Export.objects.create(
        status=Export.Status.FAILED, error="Traceback (most recent call last):\n  KeyError: 'x'", scope={}
    )

    page = admin_client.get(reverse("evaluation:export", args=[export.pk])).text

    assert "The export failed. Nothing was written" in page
    assert "<details><summary>Technical details</summary>" in page


def test_a_forbidden_page_offers_a_way_back(client, crowdworker):
    client.force_login(crowdworker)

    response = client.get(reverse("campaigns:list"))

    assert response.status_code == 403
    assert 'href="/"' in response.text
    assert "Only admins may do this." in response.text


def test_the_reviewers_home_page_links_to_each_campaign(client, make_user, make_campaign):
    campaign = make_campaign(("p", "r"))
    client.force_login(make_user(Role.REVIEWER))

    page = client.get("/").text

    assert reverse("evaluation:campaign_results", args=[campaign.pk]) in page
    assert reverse("evaluation:campaign_agreement", args=[campaign.pk]) in page


def test_the_campaign_filter_is_tick_boxes(client, make_user, make_campaign):
    make_campaign(("p", "r"))
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("evaluation:results")).text

    assert 'type="checkbox" name="campaigns"' in page
    assert '<select name="campaigns"' not in page


def test_the_results_table_names_models_by_their_display_name(client, make_user, make_campaign):
    from evaluation.tasks import figure_snapshot_compute

    campaign = make_campaign(("a", "ra"), n=1)
    model = Item.objects.get(campaign=campaign).model
    RegisteredModel.objects.filter(pk=model.pk).update(display_name="Shown Name")
    judge([make_user(Role.CROWDWORKER)], campaign, {"a": [{"safe": True}]})
    client.force_login(make_user(Role.REVIEWER))
    url = reverse("evaluation:campaign_results", args=[campaign.pk])

    with mock.patch("evaluation.figures.services._enqueue", side_effect=figure_snapshot_compute.delay):
        client.get(url)
        page = client.get(url).text

    assert "<td>Shown Name</td>" in page
    assert f"<td>{model.name}</td>" not in page


def test_agreement_over_a_single_item_is_undefined_not_zero():
    import numpy as np

    from evaluation.figures.selectors import _coefficient
    from metrics.agreement import krippendorff_alpha

    one_item = np.array([[1.0, 1.0, 0.0]])

    figures = _coefficient("α", one_item, lambda x: krippendorff_alpha(x, "nominal"))

    assert (figures["value"], figures["ci_low"], figures["ci_high"]) == (None, None, None)


def test_campaign_statuses_read_in_the_page_language(client, make_campaign, crowdworker):
    make_campaign(("p", "r"), status=Campaign.Status.PAUSED)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:home"), HTTP_ACCEPT_LANGUAGE="zh-CN").text

    assert "已暂停" in page
