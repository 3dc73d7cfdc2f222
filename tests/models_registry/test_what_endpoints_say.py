"""What a model endpoint says (its reason phrase, its error, its answer) reaches no page, API, admin
message or log with markup or the request's key: the key is replaced by [key], and each answer or
error that held it is counted."""

from __future__ import annotations

import importlib
import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from celery.signals import after_setup_logger
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from models_registry.log_redaction import KeyRedactingFilter
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.selectors import run_progress
from models_registry.services import generation_run_start
from tests.config.api_support import api_as
from tests.support.openai_stub import Handler

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "sk-live-0123456789abcdef"
KEY_ENV = "VALUELENS_KEY_STUB"


@pytest.fixture
def keyed(monkeypatch, make_model) -> RegisteredModel:
    monkeypatch.setenv(KEY_ENV, SECRET)
    return make_model(api_key_env=KEY_ENV)


@pytest.fixture
def hostile_reason(monkeypatch, stub) -> None:
    """The stub refuses every request with 400 and a long reason phrase holding markup and the
    request's own Authorization header, as the endpoint in the issue did."""
    send_response = Handler.send_response

    def send(self, code: int, message: str | None = None) -> None:
        if code >= 400:
            message = f"Bad <img src=x onerror=alert(1)> {'padding ' * 40}{self.headers.get('Authorization')}"
        send_response(self, code, message)

    monkeypatch.setattr(Handler, "send_response", send)
    stub.state.reply = lambda body, headers: (400, b'{"error": {"message": "max_tokens is too large"}}')


@pytest.fixture
def web_log() -> Iterator[io.StringIO]:
    """What the site's own log handler (LOGGING's console) writes, at the default level."""
    if not any(h.get_name() == "console" for h in logging.getLogger().handlers):
        # An in-process Celery worker started by an earlier test takes over the root logger; the
        # web process this stands for has LOGGING as configured.
        logging.config.dictConfig(settings.LOGGING)
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    output = io.StringIO()
    stream = handler.setStream(output)
    try:
        yield output
    finally:
        handler.setStream(stream)


def run_of(model: RegisteredModel, make_prompts, *texts: str) -> GenerationRun:
    return generation_run_start(name="r", prompt_set=make_prompts(*texts or ("hello",)), models=[model])


def admin_test_connection(client, model: RegisteredModel) -> str:
    changelist = reverse("admin:models_registry_registeredmodel_changelist")
    page = client.post(changelist, {"action": "test_connection", "_selected_action": [model.pk]}, follow=True)
    assert page.status_code == 200
    return page.text


# ---------------------------------------------------------------- 9. the reason phrase


def test_a_hostile_reason_phrase_is_stored_without_its_markup_or_the_key(keyed, make_prompts, hostile_reason):
    run_of(keyed, make_prompts)

    response = Response.objects.get()
    assert response.status == "failed"
    assert response.error.startswith("HTTP 400 Bad img src=x onerror=alert(1) padding")
    assert response.error.endswith(": max_tokens is too large")
    assert SECRET not in response.error
    assert "<" not in response.error
    assert len(response.error) <= 260
    assert response.key_redacted


def test_the_run_page_and_the_progress_api_show_the_reason_phrase_sanitised(
    client, admin_user, keyed, make_prompts, hostile_reason
):
    run = run_of(keyed, make_prompts)
    client.force_login(admin_user)

    page = client.get(reverse("models_registry:run_detail", args=[run.pk])).text
    progress = api_as(admin_user).get(f"/api/runs/{run.pk}/progress/").json()

    assert "onerror=alert(1)" in page  # the reason is shown, as text
    for shown in (page, json.dumps(progress)):
        assert SECRET not in shown
        assert "<img src=x" not in shown
        assert "&lt;img src=x" not in shown
    assert progress["errors"][0]["example"].startswith("HTTP 400 Bad img src=x")


def test_test_connection_on_the_page_and_in_the_admin_shows_the_reason_phrase_sanitised(
    client, admin_user, keyed, hostile_reason
):
    client.force_login(admin_user)

    page = client.post(reverse("models_registry:model_test", args=[keyed.pk])).text
    admin = admin_test_connection(client, keyed)

    assert "Failed: http_400: HTTP 400 Bad img src=x onerror=alert(1)" in page
    assert "Failed: http_400: HTTP 400 Bad img src=x onerror=alert(1)" in admin
    for shown in (page, admin):
        assert SECRET not in shown
        assert "<img src=x" not in shown
        assert "&lt;img src=x" not in shown


def test_the_web_log_holds_neither_the_key_nor_the_clients_request_line(
    client, admin_user, keyed, hostile_reason, web_log
):
    client.force_login(admin_user)

    client.post(reverse("models_registry:model_test", args=[keyed.pk]))

    assert SECRET not in web_log.getvalue()
    assert "HTTP Request:" not in web_log.getvalue()


def test_every_log_record_has_the_keys_and_any_bearer_token_redacted(monkeypatch, web_log):
    monkeypatch.setenv(KEY_ENV, SECRET)
    monkeypatch.setenv("VALUELENS_KEY_OTHER", "another-key-9876543210")
    logger = logging.getLogger("valuelens.test")

    logger.warning("sent %s with Authorization: Bearer tok-abcdef123", SECRET)
    logger.warning("the other key is another-key-9876543210")
    try:
        raise ValueError(f"an error that repeats {SECRET}")
    except ValueError:
        logger.exception("failed")

    logged = web_log.getvalue()
    assert "Bearer [key]" in logged
    assert "the other key is [key]" in logged
    assert "ValueError: an error that repeats" in logged
    for secret in (SECRET, "tok-abcdef123", "another-key-9876543210"):
        assert secret not in logged


def test_a_celery_workers_own_log_handlers_redact_keys_too():
    logger = logging.getLogger("valuelens.test.worker")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        after_setup_logger.send(
            sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False
        )

        assert any(isinstance(f, KeyRedactingFilter) for f in handler.filters)
    finally:
        logger.removeHandler(handler)


# ---------------------------------------------------------------- 10. the admin's Test connection


def test_the_admin_test_connection_says_only_that_a_chat_completion_came_back(
    client, admin_user, keyed, stub
):
    stub.state.script = lambda body: "your key: Bearer " + SECRET
    client.force_login(admin_user)

    admin = admin_test_connection(client, keyed)
    page = client.post(reverse("models_registry:model_test", args=[keyed.pk])).text

    for shown in (admin, page):
        assert "OK: answered with a chat completion in" in shown
        assert "your key" not in shown
        assert SECRET not in shown


# ---------------------------------------------------------------- 11. answers that echo the key


def test_an_answer_that_echoes_the_key_is_stored_redacted_and_counted(
    client, admin_user, keyed, make_prompts, stub
):
    stub.state.script = lambda body: (
        f"Your key is {SECRET}; again: {SECRET}" if "tell" in body["messages"][-1]["content"] else "fine"
    )

    run = run_of(keyed, make_prompts, "tell me the key", "say something")
    client.force_login(admin_user)
    page = client.get(reverse("models_registry:run_detail", args=[run.pk])).text
    progress = api_as(admin_user).get(f"/api/runs/{run.pk}/progress/").json()

    echoed, plain = Response.objects.order_by("prompt__external_id")
    assert echoed.text == "Your key is [key]; again: [key]"
    assert (echoed.key_redacted, plain.key_redacted) == (True, False)
    assert plain.text == "fine"
    assert progress["key_redacted"] == 1
    assert "1 answer or error repeated the model's API key" in page
    assert SECRET not in page


def test_an_error_that_echoes_the_key_is_counted_with_the_answers(keyed, make_prompts, stub):
    stub.state.reply = lambda body, headers: (
        401,
        json.dumps({"error": {"message": f"bad key {headers.get('Authorization')}"}}).encode(),
    )

    run = run_of(keyed, make_prompts, "a", "b")

    assert run_progress(run).key_redacted == 2
    assert all(SECRET not in r.error and r.key_redacted for r in Response.objects.all())


def test_a_placeholder_key_of_a_local_server_is_not_taken_for_a_secret(
    monkeypatch, make_model, make_prompts, stub
):
    monkeypatch.setenv(KEY_ENV, "EMPTY")
    stub.state.script = lambda body: "EMPTY is an English word"

    run_of(make_model(api_key_env=KEY_ENV), make_prompts)

    response = Response.objects.get()
    assert (response.text, response.key_redacted) == ("EMPTY is an English word", False)


def test_the_migration_redacts_keys_in_answers_stored_before(monkeypatch, keyed, make_prompts, stub):
    stub.state.script = lambda body: "no key here"
    run_of(keyed, make_prompts, "a", "b")
    first, second = Response.objects.order_by("id")
    Response.objects.filter(pk=first.pk).update(text=f"stored before: {SECRET}")
    Response.objects.filter(pk=second.pk).update(status="failed", error=f"HTTP 401: {SECRET}")
    migration = importlib.import_module("models_registry.migrations.0005_response_key_redacted")

    migration.redact_stored_keys(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.text, first.key_redacted) == ("stored before: [key]", True)
    assert (second.error, second.key_redacted) == ("HTTP 401: [key]", True)
