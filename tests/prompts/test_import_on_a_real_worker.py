from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile

from config.celery_app import app
from prompts.models import Prompt, PromptSet
from prompts.services import import_job_create


@pytest.fixture
def real_worker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    assert app.conf.broker_url.startswith("redis://")
    app.control.purge()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield
    app.conf.task_always_eager = True


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_file_is_imported_by_a_celery_worker_over_redis(real_worker, cvalues_prompts_path):
    prompt_set = PromptSet.objects.create(name="Worker")
    job = import_job_create(
        prompt_set=prompt_set,
        fmt="cvalues_responsibility",
        upload=SimpleUploadedFile("p.jsonl", cvalues_prompts_path.read_bytes()),
        mapping=None,
        user=None,
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.2)

    assert job.status == "succeeded", job.errors
    assert Prompt.objects.filter(prompt_set=prompt_set).count() == 664
