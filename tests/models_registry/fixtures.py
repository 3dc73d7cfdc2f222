from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis
from django.conf import settings as django_settings

from models_registry.models import RegisteredModel
from models_registry.services import model_register
from prompts.models import Level, Prompt, PromptSet
from tests.support.openai_stub import StubServer


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
    from models_registry import tasks

    held: list[list[int]] = []
    monkeypatch.setattr(tasks.generation_batch_run, "delay_on_commit", lambda ids: held.append(ids))
    return held
