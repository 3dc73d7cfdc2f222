"""A paper bundle is an export: a worker builds it, and whoever may download exports (admins) may
download it, on the page and through the API alike; its manifest holds the SHA-256 of every file."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from common.roles import Role
from config.celery_app import app
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from tests.config.api_support import api_as
from tests.evaluation.bundle_support import build_study, bundle_built, bundle_members

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def bundle_form(html: str) -> dict[str, list[str]]:
    form = html.split('data-form="paper-bundle"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(form):
        fields.setdefault(name, []).append(value)
    return fields


@pytest.mark.django_db
def test_an_admin_builds_the_bundle_of_a_campaign_from_its_results_page(
    client, admin_user, make_user, django_capture_on_commit_callbacks
):
    study = build_study(make_user)
    client.force_login(admin_user)
    page = client.get(reverse("evaluation:campaign_results", args=[study.safety.pk]))
    fields = bundle_form(page.text)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluation:exports"), fields)

    export = Export.objects.get()
    assert response["Location"] == reverse("evaluation:export", args=[export.pk])
    assert (export.kind, export.scope["campaign_ids"]) == (Export.Kind.PAPER, [study.safety.pk])
    download = client.get(reverse("evaluation:export_download", args=[export.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        names = archive.namelist()
        judgements = archive.read("judgements.jsonl").decode("utf-8")
    assert {"methods/methods.zh.md", "tables/results.tex", "figures/safety_by_model.svg"} <= set(names)
    # The campaign's scope: its safety verdicts, none of the other campaign's ratings.
    assert '"kind": "safety"' in judgements
    assert '"kind": "responsibility"' not in judgements


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "shown"), [(Role.ADMIN, True), (Role.REVIEWER, False)])
def test_the_bundle_button_is_shown_to_those_who_may_download_exports(client, make_user, role, shown):
    client.force_login(make_user(role))

    assert ('data-form="paper-bundle"' in client.get(reverse("evaluation:results")).text) is shown


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT, Role.REVIEWER])
def test_only_admins_download_a_bundle_on_the_page_and_through_the_api(client, admin_user, make_user, role):
    build_study(make_user)
    export = bundle_built(FigureScope())
    other = make_user(role)
    client.force_login(other)

    assert client.get(reverse("evaluation:export_download", args=[export.pk])).status_code == 403
    assert api_as(other).get(f"/api/exports/{export.pk}/download/").status_code == 403
    assert api_as(other).post("/api/exports/", {"kind": "paper"}, format="json").status_code == 403
    client.force_login(admin_user)
    page = b"".join(client.get(reverse("evaluation:export_download", args=[export.pk])).streaming_content)
    api = b"".join(api_as(admin_user).get(f"/api/exports/{export.pk}/download/").streaming_content)
    assert page == api == Path(export.file.path).read_bytes()


@pytest.mark.django_db
def test_the_manifest_holds_the_sha256_of_every_other_file(make_user):
    build_study(make_user)
    members = bundle_members(bundle_built(FigureScope(), fmt=Export.Format.CSV))
    manifest = json.loads(members["MANIFEST.json"])
    listed = {entry["path"]: entry for entry in manifest["files"]}

    assert set(listed) == set(members) - {"MANIFEST.json", "SHA256SUMS"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(members[name]).hexdigest()
        assert entry["bytes"] == len(members[name])
    sums = dict(reversed(line.split("  ", 1)) for line in members["SHA256SUMS"].decode().splitlines())
    assert sums == {name: entry["sha256"] for name, entry in listed.items()}
    assert {"judgements.csv", "items.csv", "models.csv", "README.md"} <= set(listed)


@pytest.fixture
def broker_tasks(settings):
    """Send tasks to the Redis broker for real instead of running them in the test."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    assert app.conf.broker_url.startswith("redis://")
    yield
    app.conf.task_always_eager = True


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_builds_the_bundle_an_admin_asked_for_through_the_api(
    broker_tasks, admin_user, make_user
):
    study = build_study(make_user)
    client = api_as(admin_user)

    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
        queued = client.post(
            "/api/exports/",
            {"kind": "paper", "format": "jsonl", "campaigns": [study.responsibility.pk]},
            format="json",
        )
        deadline = time.monotonic() + 120
        while client.get(f"/api/exports/{queued.json()['id']}/").json()["status"] not in ("ready", "failed"):
            assert time.monotonic() < deadline, "the worker never finished the bundle"
            time.sleep(0.2)

    export = client.get(f"/api/exports/{queued.json()['id']}/").json()
    assert queued.status_code == 202
    assert export["status"] == "ready", export["error"]
    download = client.get(export["download"], HTTP_ACCEPT="application/zip")
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        assert "figures/responsibility_by_domain.svg" in archive.namelist()
        assert "Law experts" in archive.read("methods/methods.en.md").decode("utf-8")
