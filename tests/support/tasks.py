"""Holding a task back, so that a test runs (or drops) it itself."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def tasks_held(monkeypatch: Any, module: ModuleType, task_name: str) -> list[Any]:
    """The first arguments of every `task_name` the module queues from now on, instead of sending
    it; other tasks go as usual. Held when queued, not after commit, so that tests inside a
    rolled-back transaction see them too."""
    held: list[Any] = []
    queue = module.task_enqueue

    def hold(name: str, *args: Any, **options: Any) -> None:
        if name == task_name:
            held.append(args[0])
        else:
            queue(name, *args, **options)

    monkeypatch.setattr(module, "task_enqueue", hold)
    return held
