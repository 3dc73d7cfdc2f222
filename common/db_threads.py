"""The database work of async views, on a few threads of its own that keep their connections.

Django runs an async view's sync calls (`sync_to_async`, the async ORM, `request.auser()`) on a
thread of that one request, opens a connection there and closes it when the request ends. A
streamed answer lasts seconds, so each author streaming held a PostgreSQL connection for that
long, and 50 authors at once ran PostgreSQL out of connections; each request also paid for a new
backend. Work sent through `database_sync_to_async` runs instead on a fixed pool of threads
(ASYNC_DATABASE_THREADS per process), each keeping one connection open between calls: the
connections of a process are bounded and a call pays for no new one.

A connection that failed is closed after the call if it is no longer usable (the next call opens a
fresh one), as Django does for its own persistent connections.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

P = ParamSpec("P")
R = TypeVar("R")

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.ASYNC_DATABASE_THREADS, thread_name_prefix="valuelens-db"
        )
    return _executor


def _connections_tidy() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        if connection.errors_occurred:
            if connection.is_usable():
                connection.errors_occurred = False
            else:
                connection.close()


def _run_keeping_connections(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    try:
        return fn(*args, **kwargs)
    finally:
        _connections_tidy()


def database_sync_to_async(fn: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`fn`, awaitable, run on a database thread of this process (see the module's docstring).
    Like `sync_to_async(thread_sensitive=False)`, the caller's context (the active language) goes
    with it."""

    @functools.wraps(fn)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        run = functools.partial(_run_keeping_connections, fn, *args, **kwargs)
        return await sync_to_async(run, thread_sensitive=False, executor=_pool())()

    return call
