"""CSV downloads open in Excel with Chinese intact: a UTF-8 byte-order mark by default, which the
dataset card names; off on request for programs that read strict UTF-8."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from tests.evaluation.export_support import build_dataset, zip_members

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def dataset(make_user):
    return build_dataset(make_user)


def _csv_export(**options) -> dict[str, bytes]:
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.CSV, scope=FigureScope(), enqueue=False, **options
    )
    return zip_members(Path(export_services.export_run(export_id=export.pk).file.path))


def test_every_csv_file_of_an_export_starts_with_a_byte_order_mark_by_default(dataset):
    members = _csv_export()

    assert [
        name for name, data in members.items() if name.endswith(".csv") and not data.startswith(BOM)
    ] == []


def test_the_byte_order_mark_leaves_the_rows_readable_as_utf8_sig(dataset):
    members = _csv_export()

    [first, *_] = csv.DictReader(io.StringIO(members["judgements.csv"].decode("utf-8-sig")))
    assert "judgement_id" in first


def test_the_card_says_the_csv_files_carry_a_byte_order_mark(dataset):
    card = _csv_export()["README.md"].decode()

    assert "byte-order mark" in card
    assert "utf-8-sig" in card


def test_an_export_without_the_mark_writes_plain_utf8(dataset):
    members = _csv_export(csv_bom=False)

    assert not members["judgements.csv"].startswith(BOM)
    assert "without a byte-order mark" in members["README.md"].decode()


def test_the_export_form_offers_the_mark_checked(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("evaluation:exports")).text

    [checkbox] = re.findall(r'<input[^>]*name="csv_bom"[^>]*>', page)
    assert "checked" in checkbox


def test_the_crowd_report_starts_with_a_byte_order_mark(client, admin_user, link):
    client.force_login(admin_user)

    report = client.get(reverse("campaigns:crowd_report", args=[link.campaign_id]))

    assert b"".join(report.streaming_content).startswith(BOM)
