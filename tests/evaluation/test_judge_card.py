from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.judges.services import judge_run_start
from evaluation.models import Export
from tests.evaluation.export_support import build_dataset, zip_members

pytestmark = pytest.mark.django_db(transaction=True)

ALWAYS_SAFE = '{"verdict": "safe", "response_type": "helpful", "reason": "无害"}'


def card_of_a_scored_export() -> str:
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
    )
    export = export_services.export_run(export_id=export.pk)
    return zip_members(Path(export.file.path))["README.md"].decode()


def test_the_dataset_card_sets_each_judge_model_beside_an_average_person(make_user, make_model, stub):
    dataset = build_dataset(make_user)
    stub.state.script = lambda body: ALWAYS_SAFE
    judge_run_start(name="card", campaign=dataset.safety, models=[make_model("judge-x")])

    card = card_of_a_scored_export()

    assert "## Models as judges" in card
    assert "| judge-x | cvalues-safety v1 |" in card
    assert "| an average single person |" in card


def test_a_card_without_judge_runs_has_no_judge_section(make_user):
    build_dataset(make_user)

    assert "Models as judges" not in card_of_a_scored_export()
