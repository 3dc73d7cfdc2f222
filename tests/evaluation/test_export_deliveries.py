"""Two copies of one export task (Redis redelivers it while the first still runs) never share a
working directory, and only the delivery holding the claim publishes the zip."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from tests.evaluation.export_support import build_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(make_user) -> Export:
    build_dataset(make_user)
    return export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
    )


def held_by(export: Export, claim: str, *, since) -> Path:
    """The export as another delivery left it: running, its directory with a file in it."""
    Export.objects.filter(pk=export.pk).update(
        status="running", claim=claim, heartbeat_at=since, started_at=since
    )
    directory = Path(settings.MEDIA_ROOT) / "exports" / f"tmp-{export.pk}-{claim}"
    directory.mkdir(parents=True)
    (directory / "judgements.jsonl").write_text("half written\n")
    return directory


def test_a_copy_delivered_while_the_first_is_alive_leaves_it_and_its_directory_alone(export):
    directory = held_by(export, "first", since=timezone.now())

    export_services.export_run(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.claim) == ("running", "first")
    assert (directory / "judgements.jsonl").read_text() == "half written\n"


def test_a_copy_delivered_after_the_first_went_silent_writes_the_export_in_its_own_directory(export):
    silent = timezone.now() - timedelta(seconds=settings.EXPORT_CLAIM_STALE_S + 1)
    held_by(export, "dead", since=silent)

    export_services.export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == "ready"
    assert export.claim not in ("", "dead")
    assert Path(export.file.path).exists()
    assert list((Path(settings.MEDIA_ROOT) / "exports").glob("tmp-*")) == []


def test_a_delivery_that_lost_its_claim_midway_publishes_nothing(export, monkeypatch):
    card = export_services.dataset_card

    def taken_over(**kwargs):
        Export.objects.filter(pk=export.pk).update(claim="newer-delivery", heartbeat_at=timezone.now())
        return card(**kwargs)

    monkeypatch.setattr(export_services, "dataset_card", taken_over)

    export_services.export_run(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.claim, export.file.name) == ("running", "newer-delivery", "")
    assert list((Path(settings.MEDIA_ROOT) / "exports").iterdir()) == []
