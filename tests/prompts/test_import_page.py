from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prompts.models import ImportJob, Prompt, PromptSet
from tests.prompts.helpers import jsonl

pytestmark = pytest.mark.django_db(transaction=True)


def upload(
    client,
    data: bytes,
    *,
    name: str = "prompts.jsonl",
    fmt: str = "cvalues_responsibility",
    follow: bool = False,
    **fields,
):
    payload = {"new_set_name": "Uploaded", "format": fmt, "file": SimpleUploadedFile(name, data), **fields}
    return client.post(reverse("prompts:import"), payload, follow=follow)


def test_an_admin_uploads_a_file_and_a_worker_imports_it(client, admin_user, cvalues_prompts_path):
    client.force_login(admin_user)

    response = upload(client, cvalues_prompts_path.read_bytes())

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("prompts:import_job", args=[job.pk])
    assert job.status == "succeeded"
    assert job.created_count == 664
    assert Prompt.objects.filter(prompt_set__name="Uploaded").count() == 664
    assert "664 created" in client.get(response["Location"]).text


def test_a_bad_upload_shows_each_problem_and_imports_nothing(client, admin_user):
    client.force_login(admin_user)
    data = jsonl({"id_": 1, "prompt": "p", "domain_en": "law", "domain_zh": "法"}) + b"{oops\n"

    response = upload(client, data, follow=True)

    assert ImportJob.objects.get().status == "failed"
    assert Prompt.objects.count() == 0
    assert "Nothing was imported" in response.text
    assert "<td>prompts.jsonl</td><td>2</td>" in response.text


def test_markup_in_a_bad_file_is_shown_as_text(client, admin_user):
    client.force_login(admin_user)
    data = jsonl({"id_": 1, "prompt": "p", "domain_en": "<script>alert(1)</script>", "domain_zh": "x"})

    page = upload(client, data, follow=True).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_status_fragment_tells_htmx_to_stop_polling_once_finished(
    client, admin_user, cvalues_prompts_path
):
    client.force_login(admin_user)
    upload(client, cvalues_prompts_path.read_bytes())
    job = ImportJob.objects.get()

    response = client.get(reverse("prompts:import_job", args=[job.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 286
    assert "<html" not in response.text
    assert 'id="import-status"' in response.text


def test_a_generic_upload_needs_a_text_column(client, admin_user):
    client.force_login(admin_user)

    response = upload(client, b"q\nhello\n", name="x.csv", fmt="generic_csv")

    assert response.status_code == 200
    assert "must name the column that holds the prompt text" in response.text
    assert not ImportJob.objects.exists()


def test_a_generic_csv_upload_with_a_mapping_imports(client, admin_user):
    client.force_login(admin_user)

    upload(
        client,
        b"q,risk\nHow to pick a lock?,crimes\n",
        name="x.csv",
        fmt="generic_csv",
        map_text="q",
        map_scenario="risk",
        default_level="safety",
    )

    assert Prompt.objects.get().scenario.slug == "crimes"


def test_an_upload_into_an_existing_set_adds_to_it(client, admin_user):
    client.force_login(admin_user)
    existing = PromptSet.objects.create(name="Existing")

    response = client.post(
        reverse("prompts:import"),
        {
            "prompt_set": existing.pk,
            "format": "100poison",
            "file": SimpleUploadedFile("p.jsonl", jsonl({"prompt": "q", "answer": "a"})),
        },
    )

    assert response.status_code == 302
    assert existing.prompts.count() == 1


def test_an_empty_upload_is_refused_by_the_form(client, admin_user):
    client.force_login(admin_user)

    response = upload(client, b"")

    assert response.status_code == 200
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("url_name", ["prompts:list", "prompts:import"])
def test_crowdworkers_and_experts_cannot_open_the_import_pages(client, crowdworker, expert, url_name):
    for person in (crowdworker, expert):
        client.force_login(person)
        assert client.get(reverse(url_name)).status_code == 403


def test_a_crowdworker_cannot_see_an_import_job_by_guessing_its_id(
    client, admin_user, crowdworker, cvalues_prompts_path
):
    client.force_login(admin_user)
    upload(client, cvalues_prompts_path.read_bytes())
    job = ImportJob.objects.get()
    client.force_login(crowdworker)

    assert client.get(reverse("prompts:import_job", args=[job.pk])).status_code == 403
    assert client.post(reverse("prompts:import"), {}).status_code == 403


def test_an_unknown_import_job_id_is_a_404_for_admins(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("prompts:import_job", args=[999999])).status_code == 404


def test_the_prompt_set_page_counts_prompts_by_level(client, admin_user, cvalues_prompts_path):
    client.force_login(admin_user)
    upload(client, cvalues_prompts_path.read_bytes())

    page = client.get(reverse("prompts:list")).text

    assert "<td>0</td><td>664</td>" in page
