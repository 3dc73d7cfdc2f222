from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from models_registry.local_model import LocalModelError, local_model_assemble, local_model_server_start


class Command(BaseCommand):
    help = (
        "Serve the local Qwen2.5-Coder-0.5B model (from the local-model extra) as an OpenAI-compatible "
        "endpoint on 127.0.0.1 until SIGTERM or Ctrl-C. The first line on stdout is its base URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8089, help="0 picks a free port.")
        parser.add_argument(
            "--parallel", type=int, default=2, help="Requests decoded together (each gets 2048 tokens)."
        )

    def handle(self, *args: Any, port: int, parallel: int, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        started = time.perf_counter()
        try:
            model_path = local_model_assemble()
        except LocalModelError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Model file ready in {time.perf_counter() - started:.1f} s: {model_path}")
        try:
            server = local_model_server_start(model_path=model_path, port=port, n_parallel=parallel)
        except LocalModelError as exc:
            raise CommandError(str(exc)) from None
        except RuntimeError as exc:
            raise CommandError(
                f"the server did not start on 127.0.0.1:{port} (port in use?): {exc}"
            ) from None
        # Whoever started this process reads the URL from the first line, so it goes out alone and at once.
        self.stdout.write(server.base_url)
        self.stdout.flush()
        self.stderr.write(
            f"Serving {server.alias} at {server.base_url} ({time.perf_counter() - started:.1f} s after start)"
        )
        stop.wait()
        server.stop()
        self.stderr.write("Local model server stopped.")
