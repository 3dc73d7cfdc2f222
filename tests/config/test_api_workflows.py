"""What a script does end to end: token, import a prompt set, register a model, start, follow and
cancel a run, export and download; and the docs page served without a CDN."""

from __future__ import annotations

import io
import json
import zipfile
from unittest import mock

import pytest
from rest_framework.test import APIClient

from common.roles import Role
from models_registry.models import GenerationRun, Response
from prompts.models import ImportJob, Prompt
from tests.config.api_support import api_as
from tests.conftest import PASSWORD
from tests.evaluation.export_support import build_dataset

pytestmark = pytest.mark.django_db

LINES = "\n".join(
    json.dumps(
        {"id_": i, "prompt": f"问题 {i}", "domain_en": "law", "domain_zh": "法理学"}, ensure_ascii=False
    )
    for i in range(1, 4)
).encode()


def upload(name: str = "p.jsonl", data: bytes = LINES) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def test_a_script_trades_its_password_for_a_token(admin_user):
    response = APIClient().post("/api/auth/token/", {"username": admin_user.username, "password": PASSWORD})

    assert response.status_code == 200
    token = response.json()["token"]
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/models/").status_code == 200


def test_an_admin_imports_a_prompt_set_through_the_import_service(
    admin_user, django_capture_on_commit_callbacks
):
    client = api_as(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/prompt-sets/import/",
            {"new_set_name": "Via API", "format": "cvalues_responsibility", "file": upload()},
            format="multipart",
        )

    assert response.status_code == 202
    job = client.get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert (job["status"], job["created_count"]) == ("succeeded", 3)
    assert Prompt.objects.filter(prompt_set__name="Via API").count() == 3


def test_a_bad_import_request_is_a_400_naming_the_problem(admin_user):
    response = api_as(admin_user).post(
        "/api/prompt-sets/import/", {"format": "cvalues_responsibility", "file": upload()}, format="multipart"
    )

    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_crowdworker_cannot_import(crowdworker):
    response = api_as(crowdworker).post(
        "/api/prompt-sets/import/",
        {"new_set_name": "x", "format": "cvalues_responsibility", "file": upload()},
        format="multipart",
    )

    assert response.status_code == 403


def test_an_admin_starts_follows_and_cancels_a_run(admin_user, django_capture_on_commit_callbacks):
    client = api_as(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post(
            "/api/prompt-sets/import/",
            {"new_set_name": "Run set", "format": "cvalues_responsibility", "file": upload()},
            format="multipart",
        ).json()
    # A new set exists once its import succeeded: the job names it then.
    prompt_set = client.get(f"/api/import-jobs/{job['id']}/").json()["prompt_set"]
    model = client.post(
        "/api/models/",
        {"name": "api-model", "base_url": "http://127.0.0.1:9/v1", "model_id": "m"},
        format="json",
    ).json()

    with mock.patch("models_registry.services.generation_run_enqueue", return_value=0):
        run = client.post(
            "/api/runs/",
            {"name": "r", "prompt_set": prompt_set, "target_models": [model["id"]]},
            format="json",
        )
    progress = client.get(f"/api/runs/{run.json()['id']}/progress/").json()
    cancelled = client.post(f"/api/runs/{run.json()['id']}/cancel/").json()

    assert run.status_code == 201
    assert (progress["total"], progress["by_status"]["pending"]) == (3, 3)
    assert (cancelled["status"], cancelled["changed"]) == ("cancelled", 3)
    assert Response.objects.filter(status="cancelled").count() == 3
    assert GenerationRun.objects.get().status == "cancelled"


def test_a_model_with_an_invalid_setting_is_a_400(admin_user):
    response = api_as(admin_user).post(
        "/api/models/",
        {"name": "bad", "base_url": "http://127.0.0.1:9/v1", "model_id": "m", "api_key_env": "sk-not a name"},
        format="json",
    )

    assert response.status_code == 400


def test_an_admin_exports_through_the_api_and_downloads_the_zip(
    admin_user, make_user, django_capture_on_commit_callbacks
):
    build_dataset(make_user)
    client = api_as(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post("/api/exports/", {"kind": "scored", "format": "parquet"}, format="json")
    export = client.get(f"/api/exports/{queued.json()['id']}/").json()
    download = client.get(export["download"], HTTP_ACCEPT="application/zip")

    assert queued.status_code == 202
    assert export["status"] == "ready"
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert "judgements.parquet" in names


def test_an_export_that_is_not_ready_cannot_be_downloaded(admin_user):
    client = api_as(admin_user)
    with mock.patch("evaluation.tasks.export_run_task.apply_async"):
        queued = client.post("/api/exports/", {"kind": "training"}, format="json").json()

    assert queued["download"] is None
    assert client.get(f"/api/exports/{queued['id']}/download/").status_code == 404


def test_a_reviewer_cannot_download_an_export(admin_user, make_user):
    with mock.patch("evaluation.tasks.export_run_task.apply_async"):
        queued = api_as(admin_user).post("/api/exports/", {}, format="json").json()

    assert api_as(make_user(Role.REVIEWER)).get(f"/api/exports/{queued['id']}/download/").status_code == 403


def test_the_docs_page_loads_its_assets_from_our_static_files_not_a_cdn(client, admin_user):
    client.force_login(admin_user)

    html = client.get("/api/docs/").text

    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


def test_the_schema_describes_every_resource(client, admin_user):
    client.force_login(admin_user)

    paths = client.get("/api/schema/?format=json").json()["paths"]

    for path in (
        "/api/prompt-sets/import/",
        "/api/runs/{id}/cancel/",
        "/api/judgements/",
        "/api/exports/{id}/download/",
    ):
        assert path in paths


def test_posting_a_model_that_exists_updates_it(admin_user):
    client = api_as(admin_user)
    body = {"name": "same-model", "base_url": "http://127.0.0.1:9/v1", "model_id": "m"}
    first = client.post("/api/models/", body, format="json")

    again = client.post("/api/models/", {**body, "model_id": "m2", "temperature": 0.3}, format="json")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["model_id"] == "m2"
