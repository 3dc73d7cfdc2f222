from __future__ import annotations

import os

import pytest

from models_registry.generation import retry_delay
from models_registry.models import RegisteredModel, Response
from models_registry.services import generation_run_start

pytestmark = pytest.mark.django_db(transaction=True)


def generate(make_model, make_prompts, *texts, **model_fields) -> list[Response]:
    generation_run_start(name="r", prompt_set=make_prompts(*texts), models=[make_model(**model_fields)])
    return list(Response.objects.order_by("id"))


def test_a_429_is_retried_after_the_retry_after_header(make_model, make_prompts, stub, settings):
    settings.GENERATION_BACKOFF_BASE_S = 0.01
    import time

    started = time.monotonic()
    [response] = generate(make_model, make_prompts, "[[429]] busy")

    assert response.status == "succeeded"
    assert response.attempts == 2
    assert stub.state.requests["[[429]] busy"] == 2
    # Retry-After: 1 is a floor: the second request cannot come sooner.
    assert time.monotonic() - started >= 1.0


def test_a_500_is_retried_and_then_succeeds(make_model, make_prompts):
    [response] = generate(make_model, make_prompts, "[[500]] flaky")

    assert (response.status, response.attempts) == ("succeeded", 2)


def test_a_timeout_is_retried_and_then_succeeds(make_model, make_prompts, stub):
    [response] = generate(make_model, make_prompts, "[[timeout]] stalls")

    assert (response.status, response.attempts) == ("succeeded", 2)


def test_a_persistent_500_fails_after_the_models_retries_with_the_reason(make_model, make_prompts, stub):
    [response] = generate(make_model, make_prompts, "[[500-always]] down", max_retries=2)

    assert response.status == "failed"
    assert response.error_kind == "http_500"
    assert "gave up after 3 attempts" in response.error
    assert response.attempts == 3
    assert stub.state.requests["[[500-always]] down"] == 3


def test_a_malformed_body_fails_at_once_described_but_not_quoted(make_model, make_prompts, stub):
    [response] = generate(make_model, make_prompts, "[[malformed]]")

    assert (response.status, response.error_kind, response.attempts) == ("failed", "malformed_body", 1)
    assert "not a chat completion" in response.error
    assert "text/html" in response.error or "application/json" in response.error
    assert "gateway says hello" not in response.error
    assert stub.state.total == 1


def test_a_400_fails_at_once_with_the_servers_message(make_model, make_prompts, stub):
    [response] = generate(make_model, make_prompts, "[[400]]")

    assert (response.status, response.error_kind) == ("failed", "http_400")
    assert response.error == "HTTP 400 Bad Request: max_tokens is too large"
    assert stub.state.total == 1


def test_an_unreachable_endpoint_is_retried_then_recorded_as_a_connection_error(make_prompts):
    from models_registry.services import model_register

    model = model_register(
        name="nowhere", base_url="http://127.0.0.1:9/v1", model_id="x", max_retries=1, timeout_s=1
    )
    generation_run_start(name="r", prompt_set=make_prompts("hello"), models=[model])

    response = Response.objects.get()
    assert (response.status, response.error_kind, response.attempts) == ("failed", "connection", 2)


def test_the_api_key_is_read_from_the_environment_and_never_stored(
    make_model, make_prompts, stub, monkeypatch
):
    stub.state.api_key = "sk-secret-123"
    monkeypatch.setenv("VALUELENS_KEY_STUB", "sk-secret-123")

    [response] = generate(make_model, make_prompts, "hello", api_key_env="VALUELENS_KEY_STUB")

    assert response.status == "succeeded"
    stored = repr(list(RegisteredModel.objects.values())) + repr(list(Response.objects.values()))
    assert "sk-secret-123" not in stored


def test_a_wrong_api_key_fails_at_once_with_401(make_model, make_prompts, stub, monkeypatch):
    stub.state.api_key = "right"
    monkeypatch.setenv("VALUELENS_KEY_STUB", "wrong")

    [response] = generate(make_model, make_prompts, "hello", api_key_env="VALUELENS_KEY_STUB")

    assert (response.status, response.error_kind, response.attempts) == ("failed", "http_401", 1)
    assert "wrong" not in response.error


def test_a_missing_api_key_variable_fails_without_sending_a_request(make_model, make_prompts, stub):
    os.environ.pop("VALUELENS_KEY_NOT_SET", None)

    [response] = generate(make_model, make_prompts, "hello", api_key_env="VALUELENS_KEY_NOT_SET")

    assert (response.status, response.error_kind) == ("failed", "missing_api_key")
    assert "VALUELENS_KEY_NOT_SET is not set" in response.error
    assert stub.state.total == 0


def test_backoff_grows_exponentially_and_honours_retry_after(settings):
    settings.GENERATION_BACKOFF_BASE_S = 1.0
    settings.GENERATION_BACKOFF_MAX_S = 60.0
    settings.GENERATION_RETRY_AFTER_MAX_S = 120.0

    assert 0.5 <= retry_delay(1, None) <= 1.0
    assert 4.0 <= retry_delay(4, None) <= 8.0
    assert 30.0 <= retry_delay(20, None) <= 60.0
    assert retry_delay(1, 30.0) == 30.0
    assert retry_delay(1, 10_000.0) == 120.0


def test_a_slow_answer_within_the_timeout_is_kept_with_its_latency(make_model, make_prompts):
    [response] = generate(make_model, make_prompts, "[[slow]] think", timeout_s=5)

    assert (response.status, response.attempts) == ("succeeded", 1)
    assert response.latency_ms >= 1000
