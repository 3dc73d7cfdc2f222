"""Requests under ASGI run their sync code on threads the process keeps (common/asgi_threads.py)."""

from __future__ import annotations

import asyncio
import threading

from asgiref.sync import sync_to_async

from common.asgi_threads import KeptThreads, OnKeptThreads
from tests.authoring.attack_fixtures import async_run


def _recording_app(seen: list[tuple[str, int]], hold: asyncio.Event | None = None):
    async def app(scope, receive, send) -> None:
        first = await sync_to_async(threading.get_ident)()
        if hold is not None:
            await hold.wait()
        second = await sync_to_async(threading.get_ident)()
        seen.append((scope["path"], first))
        assert first == second

    return app


def _http(path: str) -> dict:
    return {"type": "http", "path": path}


def test_the_next_request_runs_on_the_thread_the_last_one_used():
    seen: list[tuple[str, int]] = []
    app = OnKeptThreads(_recording_app(seen), most=4)

    async def two_in_turn() -> None:
        await app(_http("/a"), None, None)
        await app(_http("/b"), None, None)

    async_run(two_in_turn)

    assert seen[0][1] == seen[1][1]
    assert seen[0][1] != threading.get_ident()
    assert app.pool.threads == 1


def test_requests_under_way_together_get_threads_of_their_own_up_to_the_most():
    seen: list[tuple[str, int]] = []

    async def three_at_once() -> OnKeptThreads:
        hold = asyncio.Event()
        app = OnKeptThreads(_recording_app(seen, hold), most=3)
        under_way = [asyncio.ensure_future(app(_http(f"/{n}"), None, None)) for n in range(3)]
        await asyncio.sleep(0.2)
        hold.set()
        await asyncio.gather(*under_way)
        return app

    app = async_run(three_at_once)

    assert len({thread for _, thread in seen}) == 3
    assert app.pool.threads == 3


def test_past_the_most_a_request_runs_on_a_thread_of_its_own_that_is_not_kept():
    seen: list[tuple[str, int]] = []

    async def three_at_once() -> OnKeptThreads:
        hold = asyncio.Event()
        app = OnKeptThreads(_recording_app(seen, hold), most=2)
        under_way = [asyncio.ensure_future(app(_http(f"/{n}"), None, None)) for n in range(3)]
        await asyncio.sleep(0.2)
        hold.set()
        await asyncio.gather(*under_way)
        await app(_http("/after"), None, None)
        return app

    app = async_run(three_at_once)

    threads = [thread for _, thread in seen]
    assert len(set(threads[:3])) == 3
    assert app.pool.threads == 2
    assert threads[3] in set(threads[:3])


def test_a_thread_given_back_is_taken_again_before_a_new_one_is_made():
    pool = KeptThreads(8)
    first = pool.take()
    pool.give_back(first)

    assert pool.take() is first
    assert pool.threads == 1


def test_other_connections_than_http_pass_through_untouched():
    seen: list[str] = []

    async def app(scope, receive, send) -> None:
        seen.append(scope["type"])

    wrapped = OnKeptThreads(app, most=2)
    async_run(lambda: wrapped({"type": "lifespan"}, None, None))

    assert seen == ["lifespan"]
    assert wrapped.pool.threads == 0
