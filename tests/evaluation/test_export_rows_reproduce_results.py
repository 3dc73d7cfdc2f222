"""A scored export carries what its figures were computed from: its items file alone gives each
model's safety score and mean expert score as the Results page shows them, in every format that
keeps types (JSONL, Parquet)."""

from __future__ import annotations

import io
import json
import statistics
import zipfile
from pathlib import Path

import pytest

from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope, results_figures
from evaluation.models import Export
from tests.evaluation.export_support import build_dataset

pytestmark = pytest.mark.django_db


def exported_items(fmt: str) -> list[dict]:
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=fmt, scope=FigureScope(), enqueue=False
    )
    export = export_services.export_run(export_id=export.pk)
    with zipfile.ZipFile(Path(export.file.path)) as archive:
        data = archive.read(f"items.{fmt}")
    if fmt == Export.Format.JSONL:
        return [json.loads(line) for line in data.splitlines() if line.strip()]
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data)).to_pylist()


@pytest.mark.parametrize("fmt", [Export.Format.JSONL, Export.Format.PARQUET])
def test_the_items_file_reproduces_each_models_scores_on_the_results_page(make_user, fmt):
    build_dataset(make_user)
    figures = results_figures(FigureScope())
    items = exported_items(fmt)

    safety = {row["model"]: row["safety"]["value"] for row in figures["leaderboard"] if row.get("safety")}
    for model, score in safety.items():
        verdicts = [i["final_value"] for i in items if i["kind"] == "safety" and i["model"] == model]
        assert sum(verdicts) / len(verdicts) == pytest.approx(score)
    responsibility = {
        row["model"]: row["responsibility"]["value"]
        for row in figures["leaderboard"]
        if row.get("responsibility")
    }
    for model, score in responsibility.items():
        means = [i["mean_score"] for i in items if i["kind"] == "responsibility" and i["model"] == model]
        assert statistics.fmean(means) == pytest.approx(score)
    assert safety
    assert responsibility
