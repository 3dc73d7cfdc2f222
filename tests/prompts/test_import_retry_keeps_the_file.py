"""An import form that comes back with an error keeps the chosen file on the server (a browser
cannot refill a file input) and the mapping; the retry imports the kept file without sending it
again, and only its sender may use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from prompts.models import ImportJob, PendingUpload, Prompt

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

CSV = "question,qid\n邻居的狗总叫怎么办？,1\nHow do I bake bread?,2\n".encode()


def _send(client, **fields):
    return client.post(reverse("prompts:import"), {"format": "generic_csv", **fields})


def _wrong_mapping(client, name: str = "questions.csv"):
    return _send(
        client, new_set_name="Kept", file=SimpleUploadedFile(name, CSV), map_text="prompt", map_id="qid"
    )


def test_a_file_sent_with_a_wrong_mapping_is_kept_and_named_with_the_mapping_still_filled_in(
    client, admin_user
):
    client.force_login(admin_user)

    response = _wrong_mapping(client)

    pending = PendingUpload.objects.get()
    assert pending.original_name == "questions.csv"
    assert pending.created_by == admin_user
    assert f'name="pending_upload" value="{pending.pk}"' in response.text
    assert "Kept from your last try: <b>questions.csv</b>" in response.text
    assert 'name="map_text" value="prompt"' in response.text
    assert 'name="map_id" value="qid"' in response.text
    assert not ImportJob.objects.exists()


def test_the_retry_imports_the_kept_file_without_choosing_it_again_and_then_forgets_it(
    client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    _wrong_mapping(client)
    pending = PendingUpload.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = _send(
            client,
            new_set_name="Kept",
            pending_upload=str(pending.pk),
            map_text="question",
            map_id="qid",
            default_level="safety",
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.original_name == "questions.csv"
    assert job.mapping == {"text": "question", "id": "qid", "default_level": "safety"}
    assert sorted(Prompt.objects.values_list("text", flat=True)) == [
        "How do I bake bread?",
        "邻居的狗总叫怎么办？",
    ]
    assert not PendingUpload.objects.exists()


def test_an_error_elsewhere_in_the_form_keeps_the_file_too(client, admin_user):
    client.force_login(admin_user)

    response = _send(client, file=SimpleUploadedFile("questions.csv", CSV), map_text="question")

    assert "Choose a prompt set or name a new one." in response.text
    assert "Kept from your last try: <b>questions.csv</b>" in response.text


def test_an_empty_file_is_not_kept(client, admin_user):
    client.force_login(admin_user)

    response = _send(
        client, new_set_name="Kept", file=SimpleUploadedFile("empty.csv", b""), map_text="question"
    )

    assert "The submitted file is empty." in response.text
    assert not PendingUpload.objects.exists()


def test_without_a_file_or_a_kept_one_the_form_asks_for_a_file(client, admin_user):
    client.force_login(admin_user)

    response = _send(client, new_set_name="Kept", map_text="question")

    assert "Choose a file." in response.text
    assert not ImportJob.objects.exists()


def test_another_admin_cannot_import_someone_elses_kept_file(client, admin_user, make_user):
    client.force_login(admin_user)
    _wrong_mapping(client)
    pending = PendingUpload.objects.get()
    client.force_login(make_user(Role.ADMIN))

    response = _send(client, new_set_name="Kept", pending_upload=str(pending.pk), map_text="question")

    assert "Choose a file." in response.text
    assert not ImportJob.objects.exists()


def test_a_kept_file_older_than_a_day_is_removed_when_another_is_kept(client, admin_user):
    client.force_login(admin_user)
    _wrong_mapping(client)
    old = PendingUpload.objects.get()
    PendingUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    storage, name = old.file.storage, old.file.name

    _wrong_mapping(client, "later.csv")

    assert list(PendingUpload.objects.values_list("original_name", flat=True)) == ["later.csv"]
    assert not PendingUpload.objects.filter(pk=old.pk).exists()
    assert not storage.exists(name)
