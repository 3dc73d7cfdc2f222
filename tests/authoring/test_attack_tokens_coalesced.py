"""Tokens that come faster than the page needs go out together: fewer events, same text."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from authoring.attack import TurnDone
from authoring.stream_views import _tokens_coalesced
from models_registry.providers import StreamDelta
from tests.authoring.attack_fixtures import async_run


async def _model(pieces: list[tuple[float, str]]) -> AsyncIterator[StreamDelta | TurnDone]:
    for pause, text in pieces:
        await asyncio.sleep(pause)
        yield StreamDelta(text)
    yield TurnDone(answer="".join(text for _, text in pieces), turns_left=1)


async def _read(pieces: list[tuple[float, str]], every_s: float) -> list[tuple[float, object]]:
    started = time.monotonic()
    return [(time.monotonic() - started, e) async for e in _tokens_coalesced(_model(pieces), every_s)]


def test_a_fast_stream_arrives_in_fewer_events_with_the_whole_text():
    pieces = [(0.002, f"t{n} ") for n in range(60)]

    events = async_run(lambda: _read(pieces, every_s=0.05))

    deltas = [e.text for _, e in events if isinstance(e, StreamDelta)]
    assert "".join(deltas) == "".join(text for _, text in pieces)
    assert len(deltas) < 20
    assert deltas[0] == "t0 "
    assert isinstance(events[-1][1], TurnDone)


def test_held_text_goes_out_when_its_time_comes_though_the_model_pauses():
    events = async_run(lambda: _read([(0, "first"), (0.005, " held"), (1.0, " late")], every_s=0.05))

    held_at = next(at for at, e in events if isinstance(e, StreamDelta) and e.text == " held")
    assert held_at < 0.5


def test_a_slow_stream_keeps_one_event_per_token():
    pieces = [(0.08, f"t{n} ") for n in range(5)]

    events = async_run(lambda: _read(pieces, every_s=0.05))

    assert [e.text for _, e in events if isinstance(e, StreamDelta)] == [text for _, text in pieces]


def test_a_reader_that_goes_away_stops_the_model_stream():
    stopped = asyncio.Event()

    async def endless() -> AsyncIterator[StreamDelta]:
        try:
            while True:
                await asyncio.sleep(0.001)
                yield StreamDelta("x")
        finally:
            stopped.set()

    async def read_two_then_leave() -> None:
        model = endless()
        coalesced = _tokens_coalesced(model, 0.05)
        await anext(coalesced)
        await anext(coalesced)
        await coalesced.aclose()
        assert stopped.is_set()
        await model.aclose()

    async_run(read_two_then_leave)
