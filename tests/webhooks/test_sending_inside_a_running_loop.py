"""A flush run eagerly by code that is itself on an event loop (a browser session's thread, an ASGI
view) still sends its batch: asyncio.run would refuse there."""

from __future__ import annotations

import asyncio
import threading

from webhooks.sending import _run_to_end


async def _thread_name() -> str:
    return threading.current_thread().name


def test_a_batch_runs_to_its_end_from_a_thread_whose_own_loop_is_running():
    async def caller() -> str:
        return _run_to_end(_thread_name())

    assert asyncio.run(caller()) != threading.current_thread().name


def test_a_batch_runs_on_the_calling_thread_when_no_loop_is_running():
    assert _run_to_end(_thread_name()) == threading.current_thread().name
