"""The one way a service queues work for a worker.

A service never imports its app's tasks module (the tasks import the services, and a circle would
follow): it names the task. The task is looked up when the transaction commits, so a rolled-back
write queues nothing and an eager test run still executes the task in-process.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from importlib import import_module
from typing import Any

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def task_by_name(name: str) -> Task:
    """The task `app.tasks.function` by its dotted name; a name that does not resolve raises."""
    module, _, attribute = name.rpartition(".")
    task = getattr(import_module(module), attribute)
    if not isinstance(task, Task):
        raise TypeError(f"{name} is not a Celery task")
    return task


def task_enqueue(name: str, *args: Any, **options: Any) -> None:
    """Send the task once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: task_by_name(name).apply_async(args=args, **options))


def queue_waiting(name: str) -> int | None:
    """How many tasks wait in the broker's queue `name`; None when nothing goes through a broker
    (eager mode) or the broker cannot be asked."""
    app = current_app
    if app.conf.task_always_eager:
        return None
    try:
        with app.connection_for_read() as connection:
            # Not passive: a passive declare refuses a queue that Redis dropped on emptying.
            return connection.default_channel.queue_declare(queue=name).message_count
    except Exception:
        logger.warning("the broker could not say how many tasks wait in %s", name, exc_info=True)
        return None


def delivery_token() -> str:
    """A token for one delivery of a task: a copy redelivered while the first still runs (same task
    id) draws another. Host and process say which worker holds the work."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"
