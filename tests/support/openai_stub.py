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

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests_sent": self.total,
                "prompts": len(self.requests),
                "prompts_sent_more_than_once": sum(1 for n in self.requests.values() if n > 1),
                "max_in_flight": self.max_in_flight,
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
    args = parser.parse_args()
    server = StubServer(port=args.port, delay_s=args.delay)
    if args.judge_error_rate is not None:
        server.state.script = judge_script(args.judge_error_rate)
    print(server.base_url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
