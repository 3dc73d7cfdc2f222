"""Generation, imports, exports and figures go to queues of their own."""

from __future__ import annotations

import pytest
from django.conf import settings

from common.queue import task_by_name
from config.celery_app import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("models_registry.tasks.generation_batch_run", "generation"),
        ("prompts.tasks.import_job_run_task", "imports"),
        ("evaluation.tasks.export_run_task", "exports"),
        ("evaluation.tasks.figure_snapshot_compute", "figures"),
        ("evaluation.tasks.figure_snapshots_refresh", "figures"),
        ("models_registry.tasks.generation_runs_reconcile", "celery"),
        ("annotation.tasks.leases_reclaim_expired", "celery"),
        ("webhooks.tasks.webhook_endpoint_flush", "webhooks"),
        ("webhooks.tasks.webhook_deliveries_sweep", "webhooks"),
        ("webhooks.tasks.webhook_log_prune", "webhooks"),
    ],
)
def test_each_task_is_sent_to_its_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_every_routed_task_exists_under_its_name():
    for name in settings.CELERY_TASK_ROUTES:
        assert task_by_name(name).name == name


def test_a_worker_started_without_a_queue_option_consumes_every_queue():
    # The quickstart's worker and the tests' workers pass no -Q.
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}

    assert routed | {"celery"} <= set(app.amqp.queues)


def test_each_queue_is_bound_by_its_own_name_so_a_task_reaches_one_queue():
    # A shared routing key would copy every task into every queue bound with it.
    assert {queue.name: queue.routing_key for queue in app.amqp.queues.values()} == {
        name: name for name in ("celery", "generation", "imports", "exports", "figures", "webhooks")
    }
