"""What the run and model pages tell an admin before and while a run answers: how many prompts
match the form, that a run is waiting for its model's first answer, and the max_tokens default."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import generation_run_start
from prompts.models import Level, Prompt

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


@pytest.fixture
def mixed_set(make_prompts):
    prompt_set = make_prompts("s1", "s2", "s3", name="mixed", level=Level.SAFETY)
    Prompt.objects.create(
        prompt_set=prompt_set, external_id="r1", level=Level.RESPONSIBILITY, source="test", text="r1"
    )
    return prompt_set


def _count(admin_client, **params) -> str:
    return admin_client.get(reverse("models_registry:run_prompt_count"), params).text


def test_the_run_form_counts_the_prompts_of_the_chosen_set(admin_client, mixed_set):
    assert "<b>4</b> prompts match." in _count(admin_client, prompt_set=mixed_set.pk)


def test_the_count_follows_the_level_filter(admin_client, mixed_set):
    assert "<b>1</b> prompt matches." in _count(
        admin_client, prompt_set=mixed_set.pk, level=Level.RESPONSIBILITY
    )


def test_the_count_says_how_many_answers_the_models_and_samples_make(admin_client, mixed_set, make_model):
    one, three = make_model("one", samples_per_prompt=1), make_model("three", samples_per_prompt=3)

    own = _count(admin_client, prompt_set=mixed_set.pk, target_models=[one.pk, three.pk])
    five_each = _count(
        admin_client, prompt_set=mixed_set.pk, target_models=[one.pk, three.pk], samples_per_prompt=5
    )

    assert "<b>16</b> answers to fetch" in own
    assert "<b>40</b> answers to fetch" in five_each


def test_the_count_asks_for_a_prompt_set_first(admin_client):
    assert "Choose a prompt set" in _count(admin_client)


def test_the_count_says_when_no_prompt_matches(admin_client, mixed_set, make_prompts):
    empty = make_prompts(name="empty")

    assert "No prompt matches" in _count(admin_client, prompt_set=empty.pk)


def test_the_count_speaks_chinese(admin_client, mixed_set):
    fragment = admin_client.get(
        reverse("models_registry:run_prompt_count"), {"prompt_set": mixed_set.pk}, **CHINESE
    ).text

    assert "<b>4</b> 个提示符合条件" in fragment


def test_the_run_form_loads_the_count_as_it_changes(admin_client):
    page = admin_client.get(reverse("models_registry:run_create")).text

    assert f'hx-get="{reverse("models_registry:run_prompt_count")}"' in page


@pytest.fixture
def waiting_run(make_prompts, make_model, held_tasks) -> GenerationRun:
    """A running run whose model has not answered for three minutes."""
    run = generation_run_start(name="slow", prompt_set=make_prompts("a", "b"), models=[make_model()])
    GenerationRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(minutes=3, seconds=5)
    )
    return run


def test_a_run_waiting_for_its_model_says_so_and_for_how_long(admin_client, waiting_run):
    page = admin_client.get(reverse("models_registry:run_detail", args=[waiting_run.pk])).text

    assert "Waiting for the model's first answer: 3 min " in page


def test_the_waiting_note_is_in_the_polled_fragment_too(admin_client, waiting_run):
    fragment = admin_client.get(
        reverse("models_registry:run_detail", args=[waiting_run.pk]), headers={"HX-Request": "true"}
    ).text

    assert 'data-k="waiting"' in fragment


def test_the_waiting_note_speaks_chinese(admin_client, waiting_run):
    page = admin_client.get(reverse("models_registry:run_detail", args=[waiting_run.pk]), **CHINESE).text

    assert "正在等待模型的第一个回答" in page


def test_the_note_goes_once_an_answer_came(admin_client, waiting_run):
    Response.objects.filter(pk=waiting_run.responses.first().pk).update(
        status=Response.Status.SUCCEEDED, text="an answer", finished_at=timezone.now()
    )

    page = admin_client.get(reverse("models_registry:run_detail", args=[waiting_run.pk])).text

    assert 'data-k="waiting"' not in page


def test_a_new_model_asks_for_2048_tokens_and_the_form_says_why(admin_client):
    page = admin_client.get(reverse("models_registry:model_create")).text

    assert 'name="max_tokens" value="2048"' in page
    assert "Many CValues answers need more than 512." in page
    assert RegisteredModel(name="m", base_url="http://x/v1", model_id="m").max_tokens == 2048
