from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from annotation.models import Campaign, Item, Judgement
from evaluation import export_services
from evaluation.models import Export
from evaluation.selectors import FigureScope, results_figures
from models_registry.models import GenerationRun, RegisteredModel, Response
from prompts.models import PromptSet
from tests.evaluation.export_support import build_dataset

pytestmark = pytest.mark.django_db


def wipe_everything_but_reference_data() -> None:
    """What a fresh database holds: the seeded domains, scenarios and role groups, nothing judged."""
    Judgement.objects.all().delete()
    Campaign.objects.all().delete()
    GenerationRun.objects.all().delete()
    Response.objects.all().delete()
    PromptSet.objects.all().delete()
    RegisteredModel.objects.all().delete()
    User.objects.all().delete()


def export_and_reimport(
    make_user, tmp_path: Path, fmt: str
) -> tuple[dict, dict, export_services.ImportedDataset]:
    build_dataset(make_user)
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=fmt, scope=FigureScope(), enqueue=False
    )
    export = export_services.export_run(export_id=export.pk)
    archive = shutil.copy(export.file.path, tmp_path / "export.zip")
    before = {
        "figures": results_figures(FigureScope()),
        "judgements": Judgement.objects.count(),
        "items": Item.objects.count(),
        "campaigns": Campaign.objects.count(),
    }
    wipe_everything_but_reference_data()
    imported = export_services.export_import(path=Path(archive))
    after = {
        "figures": results_figures(FigureScope()),
        "judgements": Judgement.objects.count(),
        "items": Item.objects.count(),
        "campaigns": Campaign.objects.count(),
    }
    return before, after, imported


@pytest.mark.parametrize("fmt", [Export.Format.JSONL, Export.Format.PARQUET])
def test_an_export_imports_into_a_fresh_database_with_the_same_counts_and_scores(make_user, tmp_path, fmt):
    before, after, imported = export_and_reimport(make_user, tmp_path, fmt)

    assert (imported.judgements, imported.items, imported.campaigns, imported.judges) == (10, 4, 2, 5)
    assert after == before


def test_reimported_judgements_keep_their_judges_times_and_rewrites(make_user, tmp_path):
    build_dataset(make_user)
    originals = sorted(
        Judgement.objects.values_list(
            "user__annotator_profile__pseudonym", "time_spent_ms", "rewrite", "created_at"
        )
    )
    export = export_services.export_run(
        export_id=export_services.export_create(
            kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
        ).pk
    )
    archive = shutil.copy(export.file.path, tmp_path / "export.zip")
    wipe_everything_but_reference_data()

    export_services.export_import(path=Path(archive))

    assert (
        sorted(
            Judgement.objects.values_list(
                "user__annotator_profile__pseudonym", "time_spent_ms", "rewrite", "created_at"
            )
        )
        == originals
    )


def test_a_csv_export_is_refused_by_the_importer(make_user, tmp_path):
    build_dataset(make_user)
    export = export_services.export_run(
        export_id=export_services.export_create(
            kind=Export.Kind.SCORED, fmt=Export.Format.CSV, scope=FigureScope(), enqueue=False
        ).pk
    )

    with pytest.raises(export_services.ExportRefused, match="JSONL and Parquet"):
        export_services.export_import(path=Path(export.file.path))
