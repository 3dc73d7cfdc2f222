from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings

from models_registry import local_model
from models_registry.local_model import QWEN_CODER_05B, SERVER_PACKAGE, packages_missing
from models_registry.models import RegisteredModel
from models_registry.services import model_register
from prompts.models import Level, Prompt, PromptSet
from tests.support.openai_stub import StubServer
from tests.support.tasks import tasks_held


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer(delay_s=0.0, stall_s=2.0).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fast_retries(settings) -> None:
    settings.GENERATION_BACKOFF_BASE_S = 0.02
    settings.GENERATION_BACKOFF_MAX_S = 0.1


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    # Leftover limiter slots or queued tasks of an earlier test must not leak into this one.
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture
def make_model(stub) -> Callable[..., RegisteredModel]:
    def make(name: str = "stub-model", **fields) -> RegisteredModel:
        fields.setdefault("timeout_s", 1)
        fields.setdefault("max_retries", 2)
        return model_register(name=name, base_url=stub.base_url, model_id="stub", **fields)

    return make


@pytest.fixture
def make_prompts() -> Callable[..., PromptSet]:
    def make(*texts: str, name: str = "prompts", level: str = Level.SAFETY) -> PromptSet:
        prompt_set, _ = PromptSet.objects.get_or_create(name=name)
        Prompt.objects.bulk_create(
            Prompt(prompt_set=prompt_set, external_id=f"{name}-{i}", level=level, source="test", text=text)
            for i, text in enumerate(texts)
        )
        return prompt_set

    return make


@pytest.fixture
def held_tasks(monkeypatch) -> list[list[int]]:
    """Keep generation batches from being sent: the test runs (or drops) them itself."""
    from models_registry import services

    return tasks_held(monkeypatch, services, "models_registry.tasks.generation_batch_run")


REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120


def _log_tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `manage.py local_model_serve --port 0`, running for the whole session."""
    missing = packages_missing([SERVER_PACKAGE, *(name for name, _ in QWEN_CODER_05B.parts)])
    if missing:
        pytest.fail(
            f"the local-model extra is not installed (missing {', '.join(missing)}): "
            f"{local_model.INSTALL_HINT}"
        )
    logs = tmp_path_factory.mktemp("local_model")
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "local_model_serve", "--port", "0"],
            cwd=REPO,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        # A file rather than a pipe: nobody has to keep draining it while the tests run.
        while not out.read_text().endswith("\n"):
            if process.poll() is not None:
                pytest.fail(f"local_model_serve exited with {process.returncode}:\n{_log_tail(err)}")
            if time.monotonic() > deadline:
                pytest.fail(f"local_model_serve printed no URL within {START_TIMEOUT_S} s:\n{_log_tail(err)}")
            time.sleep(0.1)
        yield out.read_text().splitlines()[0]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
