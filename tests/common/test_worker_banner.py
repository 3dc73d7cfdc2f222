from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.urls import reverse

from common import workers
from config.celery_app import app
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BANNER = "No Celery worker is answering"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(workers.CACHE_KEY)
    yield
    cache.delete(workers.CACHE_KEY)


def test_every_page_loads_the_worker_status_for_admins(client, admin_user):
    client.login(username=admin_user.username, password=PASSWORD)

    page = client.get(reverse("home")).content.decode()

    assert reverse("worker_status") in page


def test_annotators_pages_do_not_ask_for_the_worker_status(client, crowdworker):
    client.login(username=crowdworker.username, password=PASSWORD)

    assert reverse("worker_status") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("worker_status")).status_code == 204


def test_admins_see_a_banner_when_no_worker_answers_the_ping(client, admin_user, monkeypatch):
    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    client.login(username=admin_user.username, password=PASSWORD)

    assert BANNER in client.get(reverse("worker_status")).content.decode()


def test_a_broker_that_cannot_be_reached_counts_as_no_worker(client, admin_user, monkeypatch):
    def unreachable(timeout):
        raise ConnectionError("no broker")

    monkeypatch.setattr(app.control, "ping", unreachable)
    client.login(username=admin_user.username, password=PASSWORD)

    assert BANNER in client.get(reverse("worker_status")).content.decode()


def test_the_answer_is_cached_so_that_many_pages_cost_one_ping(monkeypatch):
    calls = []
    monkeypatch.setattr(app.control, "ping", lambda timeout: calls.append(timeout) or [{"w@h": "pong"}])

    assert [workers.workers_alive_count() for _ in range(5)] == [1] * 5
    assert calls == [workers.PING_TIMEOUT_S]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_no_banner_while_a_real_worker_answers_over_redis(client, admin_user, settings):
    assert app.conf.broker_url.startswith("redis://")
    client.login(username=admin_user.username, password=PASSWORD)
    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
        answered = [workers.workers_alive_count() or cache.delete(workers.CACHE_KEY) for _ in range(20)]
        page = client.get(reverse("worker_status")).content.decode()

    assert any(answered)
    assert BANNER not in page
