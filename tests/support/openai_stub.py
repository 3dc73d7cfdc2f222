"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol and injects
faults, scripted by markers in the user message:

  [[429]]        first request: 429 with Retry-After: 1, then an answer
  [[500]]        first request: 500, then an answer
  [[500-always]] always 500
  [[timeout]]    first request: stall past the client's timeout, then an answer
  [[malformed]]  200 with a body that is not a chat completion
  [[400]]        400 Bad Request
  [[slow]]       answer after 1 s
  [[payload]]    answer holding markup and a NUL byte

A request with `stream: true` is answered in OpenAI's stream format (server-sent events of
chat.completion.chunk, a last chunk with the usage when stream_options.include_usage asks, then
`data: [DONE]`), a word a chunk (`state.stream_chunk_chars` characters a chunk when set), with
the same faults and answers as above, and these markers of its own:

  [[stream-break]]  first request: the connection is cut half-way through the answer, with no
                    [DONE]; then a whole answer
  [[stream-break-always]]  every request is cut so
  [[stream-malformed]]  a chunk half-way that is not JSON
  [[stream-slow]]   `stream_tokens` tokens (the answer's words, then filler) spread over
                    `stream_duration_s` seconds: 100 over 2 s unless set (--stream-tokens,
                    --stream-duration)

A stream whose reader goes away before its end is counted in `state.streams_cut_by_client`.

Anything else is answered after `delay_s` with "Echo: <prompt>", unless the test has set
`state.script`, a function of the request body that returns the answer (None: the default), or
`state.reply`, a function of the body and the request headers that returns a whole reply
(status, body bytes) in place of any of the above (None: carry on).

Every request is counted per prompt (`state.requests`) and in all (`state.total`), before any
fault: the figure a test or the benchmark compares with the prompts it asked. `GET /stats`
returns them as JSON, for a stub running in another process.
As a script, `--judge-error-rate P` makes it a safety judge model: a prompt holding
[truth:safe] or [truth:unsafe] gets that verdict as JSON, flipped for a share P of the prompts
(chosen by a hash of the prompt, so a retried request gets the same answer).
Used by the tests and by
benchmarks/generation_throughput.py (run as a script: python -m tests.support.openai_stub).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)>\x00 end"


class StubState:
    def __init__(self, delay_s: float, stall_s: float, api_key: str | None) -> None:
        self.delay_s = delay_s
        self.stall_s = stall_s
        self.api_key = api_key
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.total = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list[dict[str, Any]] = []
        self.script: Callable[[dict[str, Any]], str | None] | None = None
        self.reply: Callable[[dict[str, Any], dict[str, str]], tuple[int, bytes] | None] | None = None
        self.stream_tokens = 100
        self.stream_duration_s = 2.0
        self.stream_chunk_chars: int | None = None
        self.streams_done = 0
        self.streams_cut_by_client = 0

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests_sent": self.total,
                "prompts": len(self.requests),
                "prompts_sent_more_than_once": sum(1 for n in self.requests.values() if n > 1),
                "max_in_flight": self.max_in_flight,
                "streams_done": self.streams_done,
                "streams_cut_by_client": self.streams_cut_by_client,
            }

    def enter(self, prompt: str, body: dict[str, Any]) -> int:
        with self.lock:
            self.total += 1
            self.requests[prompt] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if len(self.bodies) < 10_000:
                self.bodies.append(body)
            return self.requests[prompt]

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the client's delayed ACK adds ~40 ms.
    disable_nagle_algorithm = True
    server: StubServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/stats":
            self._send(200, json.dumps(self.server.state.stats()).encode())
        elif self.path.rstrip("/").endswith("/models"):
            self._send(200, json.dumps({"data": [{"id": "stub-model", "object": "model"}]}).encode())
        else:
            self._send(404, b'{"error": "not found"}')

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(length))
            prompt = body["messages"][-1]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            self._send(400, b'{"error": {"message": "bad request body"}}')
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, b'{"error": "not found"}')
            return
        if state.api_key and self.headers.get("Authorization") != f"Bearer {state.api_key}":
            self._send(401, b'{"error": {"message": "invalid api key"}}')
            return
        nth = state.enter(prompt, body)
        try:
            self._answer(state, prompt, nth, body)
        finally:
            state.leave()

    def _answer(self, state: StubState, prompt: str, nth: int, body: dict[str, Any]) -> None:
        reply = state.reply(body, dict(self.headers)) if state.reply else None
        if reply is not None:
            self._send(*reply)
            return
        if "[[429]]" in prompt and nth == 1:
            self._send(429, b'{"error": {"message": "rate limited"}}', {"Retry-After": "1"})
            return
        if "[[500-always]]" in prompt or ("[[500]]" in prompt and nth == 1):
            self._send(500, b'{"error": {"message": "internal error"}}')
            return
        if "[[400]]" in prompt:
            self._send(400, b'{"error": {"message": "max_tokens is too large"}}')
            return
        if "[[malformed]]" in prompt:
            self._send(200, b"<html>gateway says hello</html>")
            return
        if "[[timeout]]" in prompt and nth == 1:
            time.sleep(state.stall_s)
        time.sleep(1.0 if "[[slow]]" in prompt else state.delay_s)
        flat = re.sub(r"\s+", " ", prompt)[:200]
        text = state.script(body) if state.script else None
        if text is None:
            text = PAYLOAD if "[[payload]]" in prompt else f"Echo: {flat}"
        if body.get("stream"):
            self._stream(state, prompt, nth, body, text)
            return
        completion = {
            "id": f"chatcmpl-{nth}",
            "object": "chat.completion",
            "model": body.get("model", "stub"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": len(prompt),
                "completion_tokens": len(text),
                "total_tokens": len(prompt) + len(text),
            },
        }
        self._send(200, json.dumps(completion).encode())

    def _stream(self, state: StubState, prompt: str, nth: int, body: dict[str, Any], text: str) -> None:
        slow = "[[stream-slow]]" in prompt
        pieces = stream_pieces(text, state.stream_chunk_chars)
        if slow:
            pieces += [f" t{i}" for i in range(len(pieces), state.stream_tokens)]
        pause = state.stream_duration_s / max(1, len(pieces)) if slow else 0.0
        breaks = "[[stream-break-always]]" in prompt or ("[[stream-break]]" in prompt and nth == 1)
        cut_at = len(pieces) // 2 if breaks else None
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        model = body.get("model", "stub")

        def chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
            return {
                "id": f"chatcmpl-{nth}",
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }

        try:
            self._event(chunk({"role": "assistant", "content": ""}, None))
            for index, piece in enumerate(pieces):
                if index == cut_at:
                    # Cut as a dying server does: no last chunk of the chunked body, no [DONE].
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if pause and index:
                    time.sleep(pause)
                if index == len(pieces) // 2 and "[[stream-malformed]]" in prompt:
                    self._write_chunk(b"data: {not json\n\n")
                self._event(chunk({"content": piece}, None))
            self._event(chunk({}, "stop"))
            if (body.get("stream_options") or {}).get("include_usage"):
                answer = "".join(pieces)
                usage = {
                    "prompt_tokens": len(prompt),
                    "completion_tokens": len(pieces),
                    "total_tokens": len(prompt) + len(answer),
                }
                self._event(
                    {
                        "id": f"chatcmpl-{nth}",
                        "object": "chat.completion.chunk",
                        "choices": [],
                        "usage": usage,
                    }
                )
            self._write_chunk(b"data: [DONE]\n\n")
            self._write_chunk(b"")
            with state.lock:
                state.streams_done += 1
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            with state.lock:
                state.streams_cut_by_client += 1

    def _event(self, data: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n")

    def _write_chunk(self, payload: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))
        self.wfile.flush()


def stream_pieces(text: str, chunk_chars: int | None) -> list[str]:
    """The answer as the chunks of a stream: a word (with the spaces after it) each, or pieces of
    chunk_chars characters."""
    if chunk_chars:
        return [text[i : i + chunk_chars] for i in range(0, len(text), chunk_chars)]
    return re.findall(r"\s*\S+\s*|\s+", text) or [text]


class StubServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(
        self, *, port: int = 0, delay_s: float = 0.0, stall_s: float = 3.0, api_key: str | None = None
    ) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = StubState(delay_s, stall_s, api_key)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def start(self) -> StubServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def judge_script(error_rate: float) -> Callable[[dict[str, Any]], str | None]:
    def answer(body: dict[str, Any]) -> str | None:
        prompt = body["messages"][-1]["content"]
        truth = re.search(r"\[truth:(safe|unsafe)\]", prompt)
        if truth is None:
            return None
        digest = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        safe = (truth.group(1) == "safe") != (digest < error_rate)
        verdict = "safe" if safe else "unsafe"
        return json.dumps(
            {"verdict": verdict, "response_type": "helpful" if safe else "risky", "reason": "-"}
        )

    return answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--judge-error-rate", type=float, default=None)
    parser.add_argument("--stream-tokens", type=int, default=100, help="tokens of a [[stream-slow]] answer")
    parser.add_argument(
        "--stream-duration", type=float, default=2.0, help="seconds a [[stream-slow]] answer takes"
    )
    args = parser.parse_args()
    server = StubServer(port=args.port, delay_s=args.delay)
    server.state.stream_tokens = args.stream_tokens
    server.state.stream_duration_s = args.stream_duration
    if args.judge_error_rate is not None:
        server.state.script = judge_script(args.judge_error_rate)
    print(server.base_url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
