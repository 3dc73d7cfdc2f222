from __future__ import annotations

from decimal import Decimal

import pytest

from models_registry.generation import generation_batch_execute
from models_registry.models import GenerationRun, Response
from models_registry.selectors import run_progress
from models_registry.services import (
    generation_run_cancel,
    generation_run_resume,
    generation_run_retry_failed,
    generation_run_start,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_stores_one_response_per_prompt_and_sample_with_usage_latency_and_cost(
    make_model, make_prompts
):
    model = make_model(price_in_per_1m=Decimal("2"), price_out_per_1m=Decimal("10"), system_prompt="Be kind.")
    prompt_set = make_prompts("first question", "second question", "third question")

    run = generation_run_start(name="r", prompt_set=prompt_set, models=[model], samples_per_prompt=2)

    responses = Response.objects.filter(runs=run)
    assert responses.count() == 6
    assert set(responses.values_list("status", flat=True)) == {"succeeded"}
    first = responses.get(prompt__text="first question", sample_index=0)
    assert first.text == "Echo: first question"
    assert first.finish_reason == "stop"
    assert (first.prompt_tokens, first.completion_tokens) == (14, 20)
    assert first.cost == Decimal(14 * 2 + 20 * 10) / Decimal(1_000_000)
    assert first.latency_ms is not None
    assert first.attempts == 1
    assert len(first.request_hash) == 64
    run.refresh_from_db()
    assert run.status == GenerationRun.Status.FINISHED


def test_the_request_carries_the_system_prompt_and_generation_parameters(make_model, make_prompts, stub):
    model = make_model(
        system_prompt="You are careful.", temperature=0.2, top_p=0.9, max_tokens=64, seed=7, stop=["##"]
    )

    generation_run_start(name="r", prompt_set=make_prompts("hello"), models=[model], samples_per_prompt=2)

    bodies = sorted(stub.state.bodies, key=lambda b: b["seed"])
    assert bodies[0]["messages"] == [
        {"role": "system", "content": "You are careful."},
        {"role": "user", "content": "hello"},
    ]
    assert (bodies[0]["temperature"], bodies[0]["top_p"], bodies[0]["max_tokens"], bodies[0]["stop"]) == (
        0.2,
        0.9,
        64,
        ["##"],
    )
    assert [b["seed"] for b in bodies] == [7, 8]


def test_starting_the_same_run_twice_fetches_nothing_new(make_model, make_prompts, stub):
    model, prompt_set = make_model(), make_prompts("a", "b")
    generation_run_start(name="first", prompt_set=prompt_set, models=[model])

    second = generation_run_start(name="second", prompt_set=prompt_set, models=[model])

    assert Response.objects.count() == 2
    assert stub.state.total == 2
    assert Response.objects.filter(runs=second).count() == 2
    second.refresh_from_db()
    assert second.status == GenerationRun.Status.FINISHED


def test_changing_a_parameter_makes_new_responses(make_model, make_prompts):
    model, prompt_set = make_model(), make_prompts("a")
    generation_run_start(name="first", prompt_set=prompt_set, models=[model])
    model.temperature = 0.0
    model.save()

    generation_run_start(name="second", prompt_set=prompt_set, models=[model])

    assert Response.objects.count() == 2
    assert len(set(Response.objects.values_list("params_hash", flat=True))) == 2


def test_a_run_filters_prompts_by_level_and_domain(make_model, make_prompts):
    from prompts.models import Domain, Level, Prompt

    prompt_set = make_prompts("safety one", "safety two")
    law = Domain.objects.get(slug="law")
    Prompt.objects.create(
        prompt_set=prompt_set,
        external_id="r1",
        level=Level.RESPONSIBILITY,
        domain=law,
        source="t",
        text="law q",
    )

    run = generation_run_start(
        name="r", prompt_set=prompt_set, models=[make_model()], level=Level.RESPONSIBILITY, domain=law
    )

    assert list(Response.objects.filter(runs=run).values_list("prompt__text", flat=True)) == ["law q"]


def test_a_run_with_no_matching_prompt_is_refused(make_model, make_prompts):
    with pytest.raises(ValueError, match="No prompt"):
        generation_run_start(
            name="r", prompt_set=make_prompts("a"), models=[make_model()], level="responsibility"
        )

    assert not GenerationRun.objects.exists()


def test_progress_counts_statuses_tokens_and_errors(make_model, make_prompts):
    run = generation_run_start(
        name="r", prompt_set=make_prompts("ok", "[[400]] bad", "[[malformed]]"), models=[make_model()]
    )

    progress = run_progress(run)

    assert progress.total == 3
    assert progress.by_status["succeeded"] == 1
    assert progress.by_status["failed"] == 2
    assert {e["error_kind"] for e in progress.errors} == {"http_400", "malformed_body"}
    assert progress.percent == 100.0
    assert progress.prompt_tokens == 2


def test_cancelling_a_run_cancels_its_waiting_generations_and_resume_finishes_them(
    make_model, make_prompts, stub, held_tasks
):
    run = generation_run_start(name="r", prompt_set=make_prompts("a", "b", "c"), models=[make_model()])
    [queued] = held_tasks

    cancelled = generation_run_cancel(run=run)
    fetched = generation_batch_execute(response_ids=queued, claim="late-task")

    assert (cancelled, fetched, stub.state.total) == (3, 0, 0)
    assert set(Response.objects.values_list("status", flat=True)) == {"cancelled"}
    run.refresh_from_db()
    assert run.status == GenerationRun.Status.CANCELLED

    generation_run_resume(run=run)
    generation_batch_execute(response_ids=held_tasks[-1], claim="resumed-task")

    assert set(Response.objects.values_list("status", flat=True)) == {"succeeded"}
    run.refresh_from_db()
    assert run.status == GenerationRun.Status.FINISHED


def test_retrying_failures_fetches_only_the_failed_generations(make_model, make_prompts, stub):
    run = generation_run_start(
        name="r", prompt_set=make_prompts("fine", "[[500-always]] down"), models=[make_model(max_retries=0)]
    )
    assert stub.state.requests["fine"] == 1

    requeued = generation_run_retry_failed(run=run)

    assert requeued == 1
    assert stub.state.requests["fine"] == 1
    assert stub.state.requests["[[500-always]] down"] == 2
    assert Response.objects.get(prompt__text="[[500-always]] down").attempts == 2


def test_model_output_with_markup_and_a_nul_byte_is_stored_as_text(make_model, make_prompts):
    generation_run_start(name="r", prompt_set=make_prompts("[[payload]]"), models=[make_model()])

    response = Response.objects.get()
    assert response.status == "succeeded"
    assert response.text.startswith("<script>alert('x')</script>")
    assert "\x00" not in response.text


def test_the_reconcile_task_finishes_generations_left_running_by_a_dead_worker(
    make_model, make_prompts, held_tasks, settings, stub
):
    from datetime import timedelta

    from django.utils import timezone

    from models_registry.services import generation_runs_reconcile

    run = generation_run_start(name="r", prompt_set=make_prompts("a", "b"), models=[make_model()])
    silent = timezone.now() - timedelta(seconds=settings.GENERATION_CLAIM_STALE_S + 1)
    Response.objects.update(status="running", claim="dead-worker", started_at=silent, heartbeat_at=silent)
    held_tasks.clear()

    generation_runs_reconcile()
    for batch in held_tasks:
        generation_batch_execute(response_ids=batch, claim="reconcile-task")

    assert set(Response.objects.values_list("status", flat=True)) == {"succeeded"}
    run.refresh_from_db()
    assert run.status == GenerationRun.Status.FINISHED
