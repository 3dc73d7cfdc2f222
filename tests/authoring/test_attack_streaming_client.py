"""models_registry.providers.chat_stream against the stub server: OpenAI's stream format read as it
comes, its faults classified, the request's key never passed on, each request sent once."""

from __future__ import annotations

import time

import pytest

from models_registry.providers import ProviderError, StreamDelta, StreamEnd, chat_session, chat_stream
from tests.authoring.attack_fixtures import async_run

KEY = "sk-live-abcdefghijklmnop"


def collect(
    stub, prompt: str, *, api_key: str | None = None, every_s: float = 0.0, arrivals: list | None = None
) -> tuple[list[str], StreamEnd | None, ProviderError | None]:
    async def run():
        pieces, end = [], None
        started = time.monotonic()
        async with chat_session() as session:
            try:
                async for event in chat_stream(
                    session,
                    base_url=stub.base_url,
                    api_key=api_key,
                    body={"model": "stub", "messages": [{"role": "user", "content": prompt}]},
                    timeout_s=5,
                    every_s=every_s,
                ):
                    if isinstance(event, StreamDelta):
                        pieces.append(event.text)
                        if arrivals is not None:
                            arrivals.append(time.monotonic() - started)
                    else:
                        end = event
            except ProviderError as error:
                return pieces, end, error
        return pieces, end, None

    return async_run(run)


def test_the_answer_comes_piece_by_piece_then_its_end_with_usage(stub):
    pieces, end, error = collect(stub, "tell me a story")

    assert error is None
    assert "".join(pieces) == "Echo: tell me a story"
    assert end.finish_reason == "stop"
    assert (end.prompt_tokens, end.completion_tokens) == (len("tell me a story"), 5)
    assert end.first_token_ms is not None
    body = stub.state.bodies[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_a_stream_cut_before_done_is_broken_and_not_sent_again(stub):
    pieces, end, error = collect(stub, "[[stream-break-always]] one two three four")

    assert error.kind == "broken"
    assert not error.retryable
    assert end is None
    assert "".join(pieces).startswith("Echo: ")
    assert stub.state.total == 1


def test_an_unpaced_reader_gets_each_chunk_as_it_comes(stub):
    stub.state.stream_tokens = 5
    stub.state.stream_duration_s = 0.5

    pieces, _end, error = collect(stub, "[[stream-slow]] tell me")

    assert error is None
    assert pieces == ["Echo: ", "[[stream-slow]] ", "tell ", "me", " t4"]


def test_a_paced_reader_gets_a_fast_stream_in_fewer_pieces_with_the_whole_text(stub):
    stub.state.stream_tokens = 60
    stub.state.stream_duration_s = 0.6

    pieces, end, error = collect(stub, "[[stream-slow]] one two", every_s=0.1)

    assert error is None
    assert end.finish_reason == "stop"
    assert "".join(pieces).startswith("Echo: [[stream-slow]] one two t4")
    assert "".join(pieces).endswith(" t59")
    assert 3 <= len(pieces) <= 12


def test_a_paced_reader_passes_on_the_first_text_at_once(stub):
    stub.state.stream_tokens = 20
    stub.state.stream_duration_s = 2.0
    arrivals: list[float] = []

    pieces, _end, _error = collect(stub, "[[stream-slow]] one", every_s=1.0, arrivals=arrivals)

    assert pieces[0] == "Echo: "
    assert arrivals[0] < 0.5
    assert len(pieces) <= 4


def test_text_before_a_faulty_chunk_still_comes_when_reading_is_paced(stub):
    pieces, _end, error = collect(stub, "[[stream-malformed]] one two three four", every_s=0.05)

    assert error.kind == "malformed_chunk"
    assert "".join(pieces).startswith("Echo: [[stream-malformed]] one")


def test_a_chunk_that_is_not_json_is_malformed(stub):
    _pieces, _end, error = collect(stub, "[[stream-malformed]] one two three four")

    assert error.kind == "malformed_chunk"
    assert stub.state.total == 1


def test_a_refused_request_is_an_http_error_sent_once(stub):
    _pieces, _end, error = collect(stub, "[[429]] hello")

    assert error.kind == "http_429"
    assert stub.state.total == 1


def test_a_server_that_ignores_stream_still_gives_its_whole_answer(stub):
    stub.state.reply = lambda body, headers: (
        200,
        b'{"choices": [{"message": {"content": "all at once"}, "finish_reason": "stop"}],'
        b' "usage": {"prompt_tokens": 3, "completion_tokens": 3}}',
    )

    pieces, end, error = collect(stub, "hello")

    assert error is None
    assert pieces == ["all at once"]
    assert end.completion_tokens == 3


@pytest.mark.parametrize("chunk_chars", [1, 2, 3, 5, 7, 11, 64])
def test_the_key_is_replaced_wherever_the_chunks_split_it(stub, chunk_chars):
    stub.state.api_key = KEY
    stub.state.stream_chunk_chars = chunk_chars
    stub.state.script = lambda body: f"{KEY[:5]} is not it, {KEY} is, and {KEY}{KEY[:-1]}"

    pieces, end, error = collect(stub, "key?", api_key=KEY)

    assert error is None
    assert "".join(pieces) == f"{KEY[:5]} is not it, [key] is, and [key]{KEY[:-1]}"
    assert all(KEY not in piece for piece in pieces)
    assert end.key_redacted


def test_an_answer_without_the_key_goes_out_unchanged(stub):
    stub.state.api_key = KEY
    stub.state.stream_chunk_chars = 3

    pieces, end, _error = collect(stub, "sk-live is a prefix only", api_key=KEY)

    assert "".join(pieces) == "Echo: sk-live is a prefix only"
    assert not end.key_redacted
