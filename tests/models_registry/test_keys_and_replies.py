"""API keys come only from VALUELENS_KEY_… variables, and what an endpoint replies is shown as a
status and a short sanitised reason, never its body or headers."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from models_registry.models import RegisteredModel, Response
from models_registry.services import generation_run_start, model_register
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "sk-live-0123456789abcdef"


def test_a_model_cannot_name_a_variable_outside_the_key_prefix():
    with pytest.raises(ValidationError, match="VALUELENS_KEY_"):
        model_register(
            name="leak", base_url="https://evil.example/v1", model_id="m", api_key_env="SECRET_KEY"
        )


def test_the_admin_form_refuses_a_variable_outside_the_key_prefix(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    form_class = site._registry[RegisteredModel].get_form(request)
    model = model_register(name="m", base_url="http://127.0.0.1:9/v1", model_id="m")
    data = {f: getattr(model, f) for f in form_class.base_fields if hasattr(model, f)}

    form = form_class(data={**data, "stop": "[]", "api_key_env": "DATABASE_URL"}, instance=model)

    assert not form.is_valid()
    assert "api_key_env" in form.errors


def test_the_api_refuses_a_variable_outside_the_key_prefix(admin_user):
    response = api_as(admin_user).post(
        "/api/models/",
        {
            "name": "leak",
            "base_url": "https://evil.example/v1",
            "model_id": "m",
            "api_key_env": "DATABASE_URL",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "api_key_env" in response.json()
    assert not RegisteredModel.objects.exists()


def test_the_register_command_refuses_a_variable_outside_the_key_prefix():
    with pytest.raises(CommandError, match="VALUELENS_KEY_"):
        call_command(
            "model_register",
            "leak",
            "--base-url",
            "https://x/v1",
            "--model-id",
            "m",
            "--api-key-env",
            "SECRET_KEY",
        )


def test_a_stored_name_outside_the_prefix_is_never_read_nor_sent(make_model, make_prompts, stub, monkeypatch):
    monkeypatch.setenv("OLD_STYLE_KEY", SECRET)
    model = make_model()
    RegisteredModel.objects.filter(pk=model.pk).update(api_key_env="OLD_STYLE_KEY")  # as before the rule

    generation_run_start(name="r", prompt_set=make_prompts("hello"), models=[RegisteredModel.objects.get()])

    response = Response.objects.get()
    assert (response.status, response.error_kind) == ("failed", "api_key_env_refused")
    assert stub.state.total == 0


def echo_everything(body, headers):
    """A hostile endpoint: its error repeats the request's headers and key, with markup."""
    return 401, json.dumps(
        {
            "error": {
                "message": f"bad key {headers.get('Authorization')} <script>x</script>",
                "headers": headers,
            }
        }
    ).encode()


def test_connection_test_shows_the_status_and_a_sanitised_reason_never_the_key_or_headers(
    client, admin_user, make_model, stub, monkeypatch
):
    monkeypatch.setenv("VALUELENS_KEY_STUB", SECRET)
    model = make_model(api_key_env="VALUELENS_KEY_STUB")
    stub.state.reply = echo_everything
    client.force_login(admin_user)

    page = client.post(reverse("models_registry:model_test", args=[model.pk])).text

    assert "Failed: http_401: HTTP 401 Unauthorized: bad key Bearer [key]" in page
    assert SECRET not in page
    assert "Content-Length" not in page
    assert "python-httpx" not in page  # the User-Agent header's value
    assert "<script>" not in page


def test_a_generation_error_stores_the_status_and_a_sanitised_reason(
    make_model, make_prompts, stub, monkeypatch
):
    monkeypatch.setenv("VALUELENS_KEY_STUB", SECRET)
    stub.state.reply = echo_everything

    generation_run_start(
        name="r", prompt_set=make_prompts("hello"), models=[make_model(api_key_env="VALUELENS_KEY_STUB")]
    )

    response = Response.objects.get()
    assert response.error.startswith("HTTP 401 Unauthorized: bad key Bearer [key]")
    assert SECRET not in response.error
    assert "Authorization" not in response.error
    assert len(response.error) <= 160


def test_a_successful_connection_test_does_not_echo_the_answer(client, admin_user, make_model, stub):
    stub.state.script = lambda body: "here is something the page must not repeat"
    model = make_model()
    client.force_login(admin_user)

    page = client.post(reverse("models_registry:model_test", args=[model.pk])).text

    assert "OK: answered with a chat completion in" in page
    assert "must not repeat" not in page
