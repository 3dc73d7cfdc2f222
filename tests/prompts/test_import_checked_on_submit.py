"""What the Import page and API find while the person waits, before any worker runs; and what a
failed import leaves behind (nothing)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from prompts.models import ImportJob, Prompt, PromptSet
from tests.config.api_support import api_as
from tests.prompts.helpers import import_bytes, jsonl

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

GOOD = {"id_": 1, "prompt": "p", "domain_en": "law", "domain_zh": "法"}


def post_page(client, data: bytes, *, name: str = "p.jsonl", fmt: str = "cvalues_responsibility", **fields):
    payload = {"new_set_name": "New set", "format": fmt, "file": SimpleUploadedFile(name, data), **fields}
    return client.post(reverse("prompts:import"), payload)


def test_a_mapped_column_missing_from_the_file_is_reported_when_the_form_is_sent(client, admin_user):
    client.force_login(admin_user)

    response = post_page(
        client, b"question,qid\nhello,1\n", name="x.csv", fmt="generic_csv", map_text="prompt"
    )

    assert response.status_code == 200
    assert "column &#x27;prompt&#x27; is not in the file (its columns: question, qid)" in response.text
    assert not ImportJob.objects.exists()
    assert not PromptSet.objects.filter(name="New set").exists()


def test_a_first_line_that_does_not_fit_the_format_is_reported_when_the_form_is_sent(client, admin_user):
    client.force_login(admin_user)

    response = post_page(client, jsonl({"question": "q"}))

    assert response.status_code == 200
    assert "p.jsonl, line 1" in response.text
    assert not ImportJob.objects.exists()


def test_the_api_reports_a_missing_mapped_column_as_a_400(admin_user):
    upload = io.BytesIO(b'{"question": "q"}\n')
    upload.name = "x.jsonl"

    response = api_as(admin_user).post(
        "/api/prompt-sets/import/",
        {"new_set_name": "Via API", "format": "generic_jsonl", "mapping.text": "prompt", "file": upload},
        format="multipart",
    )

    assert response.status_code == 400, response.json()
    assert "'prompt' is not in the file" in response.json()["file"][0]
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_that_fails_on_the_worker_leaves_no_prompt_set_behind(client, admin_user):
    client.force_login(admin_user)

    response = post_page(client, jsonl(GOOD) + b'{"id_": 2,, }\n')

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == "failed"
    assert not PromptSet.objects.filter(name="New set").exists()
    assert "New set" in client.get(response["Location"]).text


@pytest.mark.django_db(transaction=True)
def test_an_import_into_a_new_set_creates_it_once_it_succeeds(client, admin_user):
    client.force_login(admin_user)

    post_page(client, jsonl(GOOD))

    job = ImportJob.objects.get()
    assert job.status == "succeeded"
    assert job.prompt_set.name == "New set"
    assert Prompt.objects.filter(prompt_set=job.prompt_set).count() == 1


def test_the_import_command_leaves_no_prompt_set_behind_when_it_fails(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl(GOOD) + b"{oops\n")

    with pytest.raises(CommandError):
        call_command("import_prompts", str(bad), "--format", "cvalues_responsibility", "--set", "Command set")

    assert not PromptSet.objects.filter(name="Command set").exists()


def test_a_json_error_names_the_line_the_column_and_what_is_wrong():
    from prompts.services import PromptImportFailed

    with pytest.raises(PromptImportFailed) as failed:
        import_bytes(jsonl(GOOD) + b'{"id_": 2 "prompt": "p"}\n', fmt="cvalues_responsibility")

    problem = failed.value.problems[0]
    assert problem.line == 2
    assert problem.message.startswith("invalid JSON at column 11: a comma is missing between two values")
