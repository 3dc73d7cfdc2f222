"""A webhook receiver on 127.0.0.1, as a customer would write one with the standard library: it
checks each request's signature the way docs/webhooks.md shows, and records what it saw. In a
thread of the test (`Receiver`), or as a process of its own for the benchmark
(`python -m tests.support.webhook_receiver --port P --secret S [--delay-s D] --out FILE`)."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPLAY_WINDOW_S = 300


def signature_verify(*, secret: str, headers: Any, body: bytes, now: float | None = None) -> bool:
    """docs/webhooks.md's check, as a receiver writes it: a fresh timestamp, and the HMAC of
    "<timestamp>.<body>" under the secret."""
    timestamp = headers.get("X-ValueLens-Timestamp", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > REPLAY_WINDOW_S:
        return False
    signed = timestamp.encode() + b"." + body
    expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("X-ValueLens-Signature", ""))


@dataclass
class Received:
    event_id: str
    event: str
    delivery: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    answered: int


@dataclass
class Receiver:
    """Answers `answers` in turn (then the last one for ever), each after `delay_s`."""

    secret: str = ""
    answers: list[int | tuple[int, dict[str, str]]] = field(default_factory=lambda: [200])
    delay_s: float = 0.0
    port: int = 0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                with receiver.lock:
                    answer = receiver.answers[min(len(receiver.received), len(receiver.answers) - 1)]
                    code, extra = answer if isinstance(answer, tuple) else (answer, {})
                    receiver.received.append(
                        Received(
                            event_id=self.headers.get("X-ValueLens-Event-Id", ""),
                            event=self.headers.get("X-ValueLens-Event", ""),
                            delivery=self.headers.get("X-ValueLens-Delivery", ""),
                            headers=dict(self.headers.items()),
                            body=body,
                            signature_ok=signature_verify(
                                secret=receiver.secret, headers=self.headers, body=body
                            ),
                            answered=code,
                        )
                    )
                self.send_response(code)
                for name, value in extra.items():
                    self.send_header(name, value)
                body_out = b"" if code in (204, 304) else b"ok"
                self.send_header("Content-Length", str(len(body_out)))
                self.end_headers()
                self.wfile.write(body_out)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def documents(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r.body) for r in self.received]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--delay-s", type=float, default=0.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    out = args.out.open("a", buffering=1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if args.delay_s:
                time.sleep(args.delay_s)
            ok = signature_verify(secret=args.secret, headers=self.headers, body=body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            # Written once the answer is sent: a line is a 2xx the sender could have seen.
            line = json.dumps({"event_id": self.headers.get("X-ValueLens-Event-Id", ""), "signature_ok": ok})
            with lock:
                out.write(line + "\n")

        def log_message(self, *a: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # Many deliveries come at once: the default backlog of 5 would refuse some connections.
        request_queue_size = 1024

    server = Server(("127.0.0.1", args.port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
