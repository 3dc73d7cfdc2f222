from __future__ import annotations

import re
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone

from common.queue import queue_waiting
from config.celery_app import app
from models_registry.models import GenerationRun, Response
from models_registry.services import generation_run_add, generation_run_start, generation_runs_reconcile
from tests.support.processes import processes_stop, worker_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def broker_tasks(settings):
    """Send tasks to the Redis broker for real instead of running them in the test."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    assert app.conf.broker_url.startswith("redis://")
    yield
    app.conf.task_always_eager = True


def test_a_run_completes_on_a_celery_worker_over_redis(broker_tasks, make_model, make_prompts, stub):
    stub.state.delay_s = 0.05
    prompt_set = make_prompts(*[f"question {i}" for i in range(30)])

    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        run = generation_run_start(
            name="worker run", prompt_set=prompt_set, models=[make_model(max_concurrency=5)]
        )
        finished = wait_for(lambda: GenerationRun.objects.get(pk=run.pk).status == "finished")

    assert finished
    assert Response.objects.filter(runs=run, status="succeeded").count() == 30
    assert stub.state.max_in_flight <= 5


def worker_process(
    extra_env: dict[str, str], *, threads: int = 2, beat: bool = False, log: Path | None = None
) -> subprocess.Popen:
    """A worker in its own process, as production runs it (no -Q: it consumes every queue), on
    this test's database and broker."""
    db = connection.settings_dict
    return worker_start(
        database_url=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        broker=app.conf.broker_url,
        threads=threads,
        beat=beat,
        extra_env=extra_env,
        log=log,
    )


# The heartbeat and the reconcile task, sped up: a dead worker's rows come back after ~3 s.
FAST_RECOVERY = {
    "GENERATION_HEARTBEAT_S": "0.5",
    "GENERATION_CLAIM_STALE_S": "3",
    "GENERATION_RECONCILE_S": "1",
    "GENERATION_QUEUED_STALE_S": "3",
}


def test_a_run_survives_a_worker_killed_mid_run_and_only_the_requests_in_flight_are_sent_again(
    broker_tasks, make_model, make_prompts, stub, settings
):
    settings.GENERATION_BATCH_SIZE = 4
    stub.state.delay_s = 0.25
    texts = [f"question {i}" for i in range(40)]
    prompt_set = make_prompts(*texts)
    # Redis keeps its default visibility timeout (an hour): the heartbeat alone brings the rows back.
    env = FAST_RECOVERY
    first = worker_process(env)
    try:
        run = generation_run_start(
            name="killed", prompt_set=prompt_set, models=[make_model(max_concurrency=4, timeout_s=5)]
        )
        assert wait_for(
            lambda: Response.objects.filter(runs=run, status="succeeded").count() >= 6, timeout=60
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        time.sleep(1)  # requests already on the wire reach the stub
        sent_before_kill = {t for t in texts if stub.state.requests[t]}
        stored_before_kill = set(
            Response.objects.filter(runs=run, status="succeeded").values_list("prompt__text", flat=True)
        )
        assert len(stored_before_kill) < 40, "the run finished before the worker could be killed"

        second = worker_process(env, beat=True)
        try:
            assert wait_for(lambda: GenerationRun.objects.get(pk=run.pk).status == "finished", timeout=120)
        finally:
            processes_stop(second)
    finally:
        processes_stop(first)

    responses = Response.objects.filter(runs=run)
    assert responses.count() == 40
    assert set(responses.values_list("status", flat=True)) == {"succeeded"}
    # Answered and stored before the kill: never asked again. In flight at the kill: asked once more.
    lost_in_flight = sent_before_kill - stored_before_kill
    assert {t: stub.state.requests[t] for t in texts} == {t: 2 if t in lost_in_flight else 1 for t in texts}
    assert stub.state.total == 40 + len(lost_in_flight)


def test_two_copies_of_a_task_redelivered_by_a_short_visibility_timeout_send_each_request_once(
    broker_tasks, make_model, make_prompts, stub, tmp_path, settings
):
    settings.GENERATION_BATCH_SIZE = 10
    stub.state.delay_s = 0.3
    texts = [f"question {i}" for i in range(40)]
    prompt_set = make_prompts(*texts)
    # Redis hands a task to a second worker after 2 s although the first is still running it.
    env = {
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    log = tmp_path / "workers.log"
    workers = [worker_process(env, threads=4, log=log), worker_process(env, threads=4, log=log)]
    try:
        run = generation_run_start(
            name="redelivered", prompt_set=prompt_set, models=[make_model(max_concurrency=2, timeout_s=5)]
        )
        assert wait_for(lambda: GenerationRun.objects.get(pk=run.pk).status == "finished", timeout=120)
    finally:
        processes_stop(*workers)

    received = re.findall(
        r"Task models_registry\.tasks\.generation_batch_run\[([0-9a-f-]+)\] received", log.read_text()
    )
    assert len(received) > len(set(received)), "no task was delivered twice: the scenario did not happen"
    assert set(Response.objects.filter(runs=run).values_list("status", flat=True)) == {"succeeded"}
    assert {t: stub.state.requests[t] for t in texts} == dict.fromkeys(texts, 1)
    assert stub.state.total == 40


def test_two_workers_on_one_redis_share_a_run_within_the_models_global_concurrency(
    broker_tasks, make_model, make_prompts, stub, tmp_path, settings
):
    settings.GENERATION_BATCH_SIZE = 4
    stub.state.delay_s = 0.2
    texts = [f"question {i}" for i in range(48)]
    prompt_set = make_prompts(*texts)
    log = tmp_path / "workers.log"
    workers = [worker_process({}, threads=3, log=log), worker_process({}, threads=3, log=log)]
    try:
        # Both consume before the run starts, or the first could take every batch alone.
        assert wait_for(lambda: log.read_text().count(" ready.") == 2, timeout=60)
        run = generation_run_start(
            name="scaled", prompt_set=prompt_set, models=[make_model(max_concurrency=3, timeout_s=5)]
        )
        assert wait_for(lambda: GenerationRun.objects.get(pk=run.pk).status == "finished", timeout=120)
    finally:
        processes_stop(*workers)

    # A claim names the host and process of the worker that sent the request.
    processes = {claim.split(":")[1] for claim in Response.objects.values_list("claim", flat=True)}
    assert processes == {str(w.pid) for w in workers}
    assert stub.state.max_in_flight <= 3
    assert {t: stub.state.requests[t] for t in texts} == dict.fromkeys(texts, 1)


def _generation_queue_purge() -> None:
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("generation")


def _run_of_eight_in_two_tasks(make_model, make_prompts, settings, *, queued_stale_s: float) -> GenerationRun:
    settings.GENERATION_BATCH_SIZE = 4
    settings.GENERATION_QUEUED_STALE_S = queued_stale_s
    prompt_set = make_prompts(*[f"question {i}" for i in range(8)])
    _generation_queue_purge()
    run = generation_run_start(name="eight", prompt_set=prompt_set, models=[make_model()])
    assert queue_waiting("generation") == 2
    return run


def test_tasks_the_broker_lost_are_queued_again_once_its_queue_is_empty_and_each_request_is_sent_once(
    broker_tasks, make_model, make_prompts, stub, settings
):
    # What a worker killed between receiving a task and starting it leaves behind (the task sits in
    # Redis' unacknowledged set for an hour), or a broker restarted empty: rows that nobody holds.
    run = _run_of_eight_in_two_tasks(make_model, make_prompts, settings, queued_stale_s=0)
    _generation_queue_purge()

    assert generation_runs_reconcile() == 8
    assert queue_waiting("generation") == 2

    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        assert wait_for(lambda: GenerationRun.objects.get(pk=run.pk).status == "finished", timeout=60)
    texts = [f"question {i}" for i in range(8)]
    assert {t: stub.state.requests[t] for t in texts} == dict.fromkeys(texts, 1)


def test_rows_whose_tasks_still_wait_in_the_broker_are_not_queued_twice(
    broker_tasks, make_model, make_prompts, settings
):
    _run_of_eight_in_two_tasks(make_model, make_prompts, settings, queued_stale_s=0)

    assert generation_runs_reconcile() == 0
    assert queue_waiting("generation") == 2


def test_rows_queued_lately_are_not_taken_for_lost_although_the_queue_is_empty(
    broker_tasks, make_model, make_prompts, settings
):
    # An empty queue with rows unclaimed: a worker may have just received their task.
    _run_of_eight_in_two_tasks(make_model, make_prompts, settings, queued_stale_s=60)
    _generation_queue_purge()

    assert generation_runs_reconcile() == 0


def test_rows_queued_before_queued_at_was_recorded_count_as_queued_long_ago(
    broker_tasks, make_model, make_prompts, settings
):
    run = _run_of_eight_in_two_tasks(make_model, make_prompts, settings, queued_stale_s=60)
    _generation_queue_purge()
    Response.objects.filter(runs=run).update(queued_at=None)

    assert generation_runs_reconcile() == 8


def test_queueing_a_run_again_leaves_the_rows_a_live_delivery_holds_unwritten(
    broker_tasks, make_model, make_prompts, settings
):
    # Writing them would lock them for the whole start, and hold up the heartbeat of their worker.
    run = _run_of_eight_in_two_tasks(make_model, make_prompts, settings, queued_stale_s=60)
    held = list(Response.objects.filter(runs=run).order_by("id").values_list("id", flat=True)[:4])
    long_ago = timezone.now() - timedelta(hours=1)
    Response.objects.filter(id__in=held).update(
        claim="worker:1:abc", heartbeat_at=timezone.now(), queued_at=long_ago
    )

    generation_run_add(run=run)

    assert set(Response.objects.filter(id__in=held).values_list("queued_at", flat=True)) == {long_ago}
    assert Response.objects.filter(runs=run).exclude(id__in=held).filter(queued_at__gt=long_ago).count() == 4
