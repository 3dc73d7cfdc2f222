from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import connection

from config.celery_app import app
from tests.support.processes import processes_stop, worker_start
from tests.support.webhook_receiver import Receiver
from webhooks.models import Endpoint
from webhooks.services import EndpointInput, endpoint_create


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(autouse=True)
def _fast_retries(settings) -> None:
    settings.WEBHOOK_BACKOFF_BASE_S = 0.1
    settings.WEBHOOK_BACKOFF_MAX_S = 0.5
    settings.WEBHOOK_TIMEOUT_S = 5


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def make(**options) -> Receiver:
        receiver = Receiver(**options).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()


@pytest.fixture
def endpoint_for(admin_user) -> Callable[..., Endpoint]:
    """An endpoint made as the page makes it, whose receiver is given the secret shown once."""

    def make(receiver: Receiver, *events: str, url: str = "") -> Endpoint:
        endpoint, secret = endpoint_create(
            data=EndpointInput(
                name=f"receiver {receiver.port}", url=url or receiver.url, events=list(events)
            ),
            by=admin_user,
        )
        receiver.secret = secret
        return endpoint

    return make


@pytest.fixture
def broker_tasks(settings) -> Iterator[None]:
    """Tasks go to the Redis broker for real instead of running in the test."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    assert app.conf.broker_url.startswith("redis://")
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    yield
    app.conf.task_always_eager = True


@pytest.fixture
def real_worker(broker_tasks) -> Iterator[None]:
    """A Celery worker in this process (threads), consuming every queue, the webhooks one too."""
    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30):
        yield


# Retries and the sweep, sped up, for a worker in its own process with beat.
FAST = {
    "WEBHOOK_SWEEP_S": "0.5",
    "WEBHOOK_BACKOFF_BASE_S": "0.2",
    "WEBHOOK_BACKOFF_MAX_S": "1",
    "WEBHOOK_TIMEOUT_S": "5",
}


@pytest.fixture
def worker_with_beat(broker_tasks, tmp_path: Path) -> Iterator[None]:
    """A worker in its own process, as production runs it, with beat (the sweep) beside it."""
    db = connection.settings_dict
    process = worker_start(
        database_url=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        broker=app.conf.broker_url,
        threads=4,
        beat=True,
        extra_env={**FAST, "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat")},
        log=tmp_path / "worker.log",
    )
    try:
        yield
    finally:
        processes_stop(process)
