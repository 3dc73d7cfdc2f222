"""A flush run eagerly by code that is itself on an event loop (a browser session's thread, an ASGI
view) still sends its batch: asyncio.run would refuse there. Each test runs on a thread of its own,
whose loop state it sets (the suite's main thread may carry a browser session's loop)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from webhooks.sending import _run_to_end


async def _thread_name() -> str:
    return threading.current_thread().name


def _on_own_thread(fn: Callable[[], str]) -> tuple[str, str]:
    """(the result of fn, the name of the thread it was called on)."""

    def call() -> tuple[str, str]:
        return fn(), threading.current_thread().name

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="caller") as pool:
        return pool.submit(call).result()


def test_a_batch_runs_to_its_end_from_a_thread_whose_own_loop_is_running():
    async def on_a_loop() -> str:
        return _run_to_end(_thread_name())

    ran_on, caller = _on_own_thread(lambda: asyncio.run(on_a_loop()))

    assert ran_on != caller


def test_a_batch_runs_on_the_calling_thread_when_no_loop_is_running():
    ran_on, caller = _on_own_thread(lambda: _run_to_end(_thread_name()))

    assert ran_on == caller
