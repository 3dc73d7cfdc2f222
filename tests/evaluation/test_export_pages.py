from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Campaign
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from tests.evaluation.export_support import build_dataset

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def ready_export(make_user):
    build_dataset(make_user)
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
    )
    return export_services.export_run(export_id=export.pk)


def pages(export_id: int) -> list[str]:
    return [
        reverse("evaluation:exports"),
        reverse("evaluation:export", args=[export_id]),
        reverse("evaluation:export_download", args=[export_id]),
    ]


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT, Role.REVIEWER])
def test_only_admins_open_the_export_pages(client, make_user, ready_export, role):
    client.force_login(make_user(role))

    assert [client.get(url).status_code for url in pages(ready_export.pk)] == [403, 403, 403]


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT, Role.REVIEWER])
def test_nobody_but_an_admin_can_start_an_export(client, make_user, role):
    client.force_login(make_user(role))

    response = client.post(reverse("evaluation:exports"), {"kind": "scored", "format": "jsonl"})

    assert response.status_code == 403
    assert not Export.objects.exists()


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(client, ready_export):
    response = client.get(reverse("evaluation:export_download", args=[ready_export.pk]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_admin_starts_an_export_and_lands_on_its_page(
    client, admin_user, make_user, django_capture_on_commit_callbacks
):
    build_dataset(make_user)
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluation:exports"), {"kind": "training", "format": "csv"})

    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:export", args=[export.pk])
    assert (export.kind, export.format, export.created_by) == ("training", "csv", admin_user)
    # Tasks run eagerly in the tests: once the request committed, the worker finished it.
    export.refresh_from_db()
    assert export.status == Export.Status.READY


def test_an_unknown_kind_or_format_is_refused_with_the_form(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("evaluation:exports"), {"kind": "everything", "format": "xlsx"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Export.objects.exists()


def test_the_ready_page_links_to_the_download_which_serves_the_zip(client, admin_user, ready_export):
    client.force_login(admin_user)

    page = client.get(reverse("evaluation:export", args=[ready_export.pk])).text
    download = client.get(reverse("evaluation:export_download", args=[ready_export.pk]))

    assert reverse("evaluation:export_download", args=[ready_export.pk]) in page
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_the_polling_request_stops_htmx_once_the_export_is_finished(client, admin_user, ready_export):
    client.force_login(admin_user)

    part = client.get(reverse("evaluation:export", args=[ready_export.pk]), headers=HX)

    assert part.status_code == 286
    assert part.text.lstrip().startswith('<div id="export-status"')


def test_a_running_export_shows_its_progress_and_keeps_polling(client, admin_user):
    export = Export.objects.create(status=Export.Status.RUNNING, rows_total=200, rows_done=50)
    client.force_login(admin_user)

    part = client.get(reverse("evaluation:export", args=[export.pk]), headers=HX)

    assert part.status_code == 200
    assert "25% (50 of 200" in part.text
    assert 'hx-trigger="every 1s"' in part.text


def test_an_export_that_is_not_ready_has_no_download(client, admin_user):
    export = Export.objects.create(status=Export.Status.RUNNING)
    client.force_login(admin_user)

    assert client.get(reverse("evaluation:export_download", args=[export.pk])).status_code == 404


def test_names_on_the_export_page_stay_escaped(client, admin_user):
    Campaign.objects.create(name="<script>alert(1)</script>", kind="safety", judges_per_item=3)
    client.force_login(admin_user)

    page = client.get(reverse("evaluation:exports")).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
