from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from config.celery_app import app
from models_registry.models import GenerationRun, Response
from models_registry.services import generation_run_start
from tests.conftest import REPO

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


def worker_process(extra_env: dict[str, str]) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "test-worker",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": app.conf.broker_url,
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=REPO,
        env=env,
    )


def test_a_run_survives_a_worker_killed_mid_run_with_no_duplicate_and_no_lost_prompt(
    broker_tasks, make_model, make_prompts, stub
):
    stub.state.delay_s = 0.25
    texts = [f"question {i}" for i in range(40)]
    prompt_set = make_prompts(*texts)
    # A short visibility timeout lets Redis hand the dead worker's unacknowledged tasks to the next one.
    env = {
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "GENERATION_BATCH_SIZE": "4",
    }
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
        done_when_killed = Response.objects.filter(runs=run, status="succeeded").count()
        assert done_when_killed < 40, "the run finished before the worker could be killed"

        second = worker_process(env)
        try:
            assert wait_for(lambda: GenerationRun.objects.get(pk=run.pk).status == "finished", timeout=120)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()

    responses = Response.objects.filter(runs=run)
    assert responses.count() == 40
    assert set(responses.values_list("status", flat=True)) == {"succeeded"}
    assert sorted(responses.values_list("prompt__text", flat=True)) == sorted(texts)
    assert all(stub.state.requests[t] >= 1 for t in texts)
