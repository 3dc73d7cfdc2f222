"""The one way a service queues work for a worker.

A service never imports its app's tasks module (the tasks import the services, and a circle would
follow): it names the task. The task is looked up when the transaction commits, so a rolled-back
write queues nothing and an eager test run still executes the task in-process.
"""

from __future__ import annotations

import os
import socket
import uuid
from importlib import import_module
from typing import Any

from celery import Task
from django.db import transaction


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


def delivery_token() -> str:
    """A token for one delivery of a task: a copy redelivered while the first still runs (same task
    id) draws another. Host and process say which worker holds the work."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"
