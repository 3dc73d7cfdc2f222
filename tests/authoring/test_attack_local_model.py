"""The quickstart's local model (llama.cpp's server from the local-model extra) streams its answers
in OpenAI's format, so the attack workspace can attack it live. Fails, never skips, without it."""

from __future__ import annotations

import pytest

from models_registry.local_model import QWEN_CODER_05B
from models_registry.providers import StreamDelta, StreamEnd, chat_session, chat_stream
from tests.authoring.attack_fixtures import async_run

pytestmark = pytest.mark.local_model


def test_the_local_model_streams_its_answer_piece_by_piece_and_ends_with_done(local_server: str):
    async def run() -> list[StreamDelta | StreamEnd]:
        async with chat_session() as session:
            return [
                event
                async for event in chat_stream(
                    session,
                    base_url=local_server,
                    api_key=None,
                    body={
                        "model": QWEN_CODER_05B.alias,
                        "messages": [{"role": "user", "content": "Count from 1 to 10."}],
                        "temperature": 0.0,
                        "max_tokens": 24,
                    },
                    # A loaded 2-core machine answers slowly; this checks answers, not speed.
                    timeout_s=120,
                )
            ]

    events = async_run(run)

    pieces = [e.text for e in events if isinstance(e, StreamDelta)]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert len(pieces) > 3
    assert "".join(pieces).strip()
    assert end.finish_reason in {"stop", "length"}
    assert end.completion_tokens is not None
    assert 0 < end.completion_tokens <= 24
