from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import generation_run_start

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_starts_a_run_from_the_page_and_sees_its_progress(
    client, admin_user, make_model, make_prompts
):
    model, prompt_set = make_model(), make_prompts("one", "two", "[[400]] three")
    client.force_login(admin_user)

    response = client.post(
        reverse("models_registry:run_create"),
        {
            "name": "page run",
            "prompt_set": prompt_set.pk,
            "target_models": [model.pk],
            "samples_per_prompt": 1,
        },
    )

    run = GenerationRun.objects.get()
    assert response["Location"] == reverse("models_registry:run_detail", args=[run.pk])
    page = client.get(response["Location"]).text
    assert '<td data-status="succeeded">2</td>' in page
    assert '<td data-status="failed">1</td>' in page
    assert "http_400" in page
    assert "Re-run failures" in page


def test_the_progress_fragment_stops_polling_when_the_run_is_over(
    client, admin_user, make_model, make_prompts
):
    run = generation_run_start(name="r", prompt_set=make_prompts("a"), models=[make_model()])
    client.force_login(admin_user)

    fragment = client.get(
        reverse("models_registry:run_detail", args=[run.pk]), headers={"HX-Request": "true"}
    )

    assert fragment.status_code == 286
    assert 'id="run-progress"' in fragment.text
    assert "<html" not in fragment.text


def test_a_run_over_no_matching_prompt_is_refused_on_the_page(client, admin_user, make_model, make_prompts):
    model, prompt_set = make_model(), make_prompts("a")
    client.force_login(admin_user)

    response = client.post(
        reverse("models_registry:run_create"),
        {"name": "x", "prompt_set": prompt_set.pk, "target_models": [model.pk], "level": "responsibility"},
    )

    assert response.status_code == 200
    assert "No prompt matches" in response.text
    assert not GenerationRun.objects.exists()


def test_model_output_is_escaped_on_the_run_page(client, admin_user, make_model, make_prompts):
    run = generation_run_start(name="r", prompt_set=make_prompts("[[payload]]"), models=[make_model()])
    client.force_login(admin_user)

    page = client.get(reverse("models_registry:run_detail", args=[run.pk])).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_the_run_actions_cancel_resume_and_retry(client, admin_user, make_model, make_prompts, stub):
    run = generation_run_start(
        name="r", prompt_set=make_prompts("ok", "[[500-always]]"), models=[make_model(max_retries=0)]
    )
    client.force_login(admin_user)

    client.post(reverse("models_registry:run_action", args=[run.pk, "retry-failed"]))

    assert stub.state.requests["[[500-always]]"] == 2
    assert client.post(reverse("models_registry:run_action", args=[run.pk, "explode"])).status_code == 403


def test_the_model_page_tests_a_connection(client, admin_user, make_model):
    model = make_model()
    client.force_login(admin_user)

    ok = client.post(reverse("models_registry:model_test", args=[model.pk])).text

    assert "OK: answered" in ok


def test_a_failed_connection_test_says_why(client, admin_user):
    from models_registry.services import model_register

    model = model_register(name="down", base_url="http://127.0.0.1:9/v1", model_id="x")
    client.force_login(admin_user)

    failed = client.post(reverse("models_registry:model_test", args=[model.pk])).text

    assert "Failed: connection" in failed


@pytest.mark.parametrize(
    ("method", "url_name", "args"),
    [
        ("get", "models_registry:model_list", []),
        ("get", "models_registry:run_list", []),
        ("get", "models_registry:run_create", []),
        ("get", "models_registry:run_detail", ["run"]),
        ("post", "models_registry:run_action", ["run", "cancel"]),
        ("post", "models_registry:model_test", ["model"]),
    ],
)
def test_crowdworkers_and_experts_cannot_reach_models_or_runs(
    client, crowdworker, expert, make_model, make_prompts, method, url_name, args
):
    model = make_model()
    run = generation_run_start(name="r", prompt_set=make_prompts("a"), models=[model])
    resolved = [{"run": run.pk, "model": model.pk}.get(a, a) for a in args]
    for person in (crowdworker, expert):
        client.force_login(person)
        assert getattr(client, method)(reverse(url_name, args=resolved)).status_code == 403
    assert GenerationRun.objects.get().status == "finished"


def test_the_register_command_stores_the_key_variable_name_not_a_key(capsys):
    call_command(
        "model_register",
        "gpt",
        "--base-url",
        "https://api.example.com/v1",
        "--model-id",
        "gpt-x",
        "--api-key-env",
        "VALUELENS_KEY_OPENAI",
        "--max-concurrency",
        "8",
        "--stop",
        '["##"]',
    )

    model = RegisteredModel.objects.get(name="gpt")
    assert (model.api_key_env, model.max_concurrency, model.stop) == ("VALUELENS_KEY_OPENAI", 8, ["##"])
    assert "registered gpt" in capsys.readouterr().out


def test_the_register_command_rejects_an_invalid_variable_name():
    with pytest.raises(CommandError, match="api_key_env"):
        call_command(
            "model_register",
            "gpt",
            "--base-url",
            "https://x/v1",
            "--model-id",
            "m",
            "--api-key-env",
            "sk-123 secret",
        )


def test_the_run_command_follows_the_run_to_its_end(make_model, make_prompts, capsys):
    make_model(name="cli-model")
    make_prompts("a", "b", name="cli set")

    call_command("generation_run", "--set", "cli set", "--model", "cli-model")

    out = capsys.readouterr().out
    assert "2/2 ok 2 failed 0" in out
    assert out.rstrip().endswith("finished")
    assert Response.objects.filter(status="succeeded").count() == 2


def test_the_model_test_command_reports_a_failure(make_prompts):
    from models_registry.services import model_register

    model_register(name="down", base_url="http://127.0.0.1:9/v1", model_id="x")

    with pytest.raises(CommandError, match="connection"):
        call_command("model_test", "down")
