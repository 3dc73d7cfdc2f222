"""Each paid request is sent once: a row is claimed when its request goes out, held by a heartbeat
while it waits or is in flight, and taken back only when that heartbeat stops."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from models_registry.generation import generation_batch_execute
from models_registry.models import GenerationRun, Response
from models_registry.services import generation_run_start, generation_runs_reconcile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick_heartbeat(settings) -> None:
    settings.GENERATION_HEARTBEAT_S = 0.1
    settings.GENERATION_CLAIM_STALE_S = 1.0


def queue_run(
    make_model, make_prompts, held_tasks, n: int, **model_fields
) -> tuple[GenerationRun, list[int]]:
    run = generation_run_start(
        name="r",
        prompt_set=make_prompts(*[f"question {i}" for i in range(n)]),
        models=[make_model(**model_fields)],
    )
    ids = [i for batch in held_tasks for i in batch]
    held_tasks.clear()
    return run, ids


def hold(rows, claim: str, *, since: datetime, sent: bool = True) -> None:
    """Mark rows as held by another delivery whose last heartbeat was at `since`."""
    if sent:
        rows.update(status="running", claim=claim, started_at=since, heartbeat_at=since)
    else:
        rows.update(claim=claim, heartbeat_at=since)


def silent_since(settings) -> datetime:
    return timezone.now() - timedelta(seconds=settings.GENERATION_CLAIM_STALE_S + 1)


def test_a_row_gets_its_start_time_when_its_request_is_sent_not_when_the_batch_is_taken(
    make_model, make_prompts, stub, held_tasks
):
    _, ids = queue_run(make_model, make_prompts, held_tasks, 5, max_concurrency=1)
    seen: list[tuple[int, int]] = []

    def record(body):
        started = Response.objects.filter(started_at__isnull=False).count()
        seen.append((started, Response.objects.filter(status="running").count()))

    stub.state.script = record
    generation_batch_execute(response_ids=ids, claim="one-delivery")

    # With one slot, the n-th request finds n rows sent so far and exactly one in flight.
    assert seen == [(n, 1) for n in range(1, 6)]


def test_rows_waiting_for_a_slot_are_not_taken_back_while_their_worker_lives(
    make_model, make_prompts, stub, held_tasks, quick_heartbeat
):
    stub.state.delay_s = 0.1
    run, ids = queue_run(make_model, make_prompts, held_tasks, 30, max_concurrency=1)
    worker = threading.Thread(target=generation_batch_execute, kwargs={"response_ids": ids})
    requeued = 0

    worker.start()
    while worker.is_alive():
        # The beat task, far more often than in production, while the last rows wait 3x the stale limit.
        requeued += generation_runs_reconcile()
        worker.join(timeout=0.1)

    assert (requeued, held_tasks) == (0, [])
    assert stub.state.total == 30
    assert set(stub.state.requests.values()) == {1}
    run.refresh_from_db()
    assert run.status == GenerationRun.Status.FINISHED


def test_two_copies_of_one_task_send_each_request_once(make_model, make_prompts, stub, held_tasks):
    stub.state.delay_s = 0.05
    _, ids = queue_run(make_model, make_prompts, held_tasks, 20, max_concurrency=4)
    sent: list[int] = []
    copies = [
        threading.Thread(target=lambda: sent.append(generation_batch_execute(response_ids=ids)))
        for _ in range(2)
    ]

    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(timeout=60)

    assert sum(sent) == 20
    assert stub.state.total == 20
    assert set(stub.state.requests.values()) == {1}
    assert Response.objects.filter(status="succeeded").count() == 20


def test_a_row_in_flight_under_a_live_heartbeat_is_not_sent_by_another_delivery(
    make_model, make_prompts, stub, held_tasks
):
    _, ids = queue_run(make_model, make_prompts, held_tasks, 1)
    hold(Response.objects, "live-worker", since=timezone.now())

    sent = generation_batch_execute(response_ids=ids, claim="second-copy")

    assert (sent, stub.state.total) == (0, 0)
    assert Response.objects.get().claim == "live-worker"


def test_a_row_whose_heartbeat_stopped_is_sent_again_by_the_next_delivery(
    make_model, make_prompts, stub, held_tasks, settings
):
    _, ids = queue_run(make_model, make_prompts, held_tasks, 1)
    hold(Response.objects, "dead-worker", since=silent_since(settings))

    sent = generation_batch_execute(response_ids=ids, claim="redelivered")

    assert (sent, stub.state.total) == (1, 1)
    assert Response.objects.get().status == "succeeded"


def test_the_reconcile_task_queues_again_only_rows_whose_heartbeat_stopped(
    make_model, make_prompts, stub, held_tasks, settings
):
    _, ids = queue_run(make_model, make_prompts, held_tasks, 4)
    dead_in_flight, dead_waiting, live, in_broker = ids
    hold(Response.objects.filter(id=dead_in_flight), "dead", since=silent_since(settings))
    hold(Response.objects.filter(id=dead_waiting), "dead", since=silent_since(settings), sent=False)
    hold(Response.objects.filter(id=live), "live", since=timezone.now())

    requeued = generation_runs_reconcile()

    assert requeued == 2
    assert held_tasks == [[dead_in_flight, dead_waiting]]
    assert Response.objects.get(id=in_broker).claim == ""
    for batch in held_tasks:
        generation_batch_execute(response_ids=batch)
    assert set(
        Response.objects.filter(id__in=[dead_in_flight, dead_waiting]).values_list("status", flat=True)
    ) == {"succeeded"}
    assert Response.objects.get(id=live).status == "running"


def test_a_retry_is_not_sent_once_the_row_was_taken_back(
    make_prompts, make_model, stub, held_tasks, monkeypatch
):
    from models_registry import generation

    generation_run_start(name="r", prompt_set=make_prompts("[[500-always]] down"), models=[make_model()])
    [ids] = held_tasks

    def taken_back_while_waiting_to_retry(attempt, retry_after):
        Response.objects.update(claim="reconciled-elsewhere")
        return 0.0

    monkeypatch.setattr(generation, "retry_delay", taken_back_while_waiting_to_retry)
    generation_batch_execute(response_ids=ids, claim="first")

    assert stub.state.total == 1
    assert Response.objects.get().claim == "reconciled-elsewhere"
