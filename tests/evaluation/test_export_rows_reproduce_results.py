"""A scored export carries what its figures were computed from: its items file alone gives each
model's safety score and mean expert score as the Results page shows them, in every format that
keeps types (JSONL, Parquet); its pairwise votes give the rankings' votes and ratings."""

from __future__ import annotations

import io
import json
import statistics
import zipfile
from pathlib import Path

import pytest

from annotation.models import Judgement
from annotation.services import judgement_void
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope, results_figures
from evaluation.models import Export
from evaluation.rankings.selectors import rankings_figures
from metrics.pairwise import Votes, bradley_terry, win_matrix
from tests.evaluation.export_support import build_dataset
from tests.evaluation.rankings_support import better_of, judge_every_pair

pytestmark = pytest.mark.django_db


def exported_items(fmt: str, name: str = "items") -> list[dict]:
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=fmt, scope=FigureScope(), enqueue=False
    )
    export = export_services.export_run(export_id=export.pk)
    with zipfile.ZipFile(Path(export.file.path)) as archive:
        data = archive.read(f"{name}.{fmt}")
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


@pytest.mark.parametrize("fmt", [Export.Format.JSONL, Export.Format.PARQUET])
def test_the_pairwise_votes_file_reproduces_the_rankings_votes_and_ratings(
    pair_setup, make_pair_campaign, make_user, fmt
):
    setup = pair_setup(models=3, prompts=3)
    campaign = make_pair_campaign(setup, n=3)
    judges = [make_user(Role.CROWDWORKER) for _ in range(3)]
    m0, m1, m2 = setup.models

    def decide(item, number):
        # The last judge disagrees with the others, so that the ratings are finite and distinct.
        order = [m0.pk, m1.pk, m2.pk] if number < 2 else [m2.pk, m1.pk, m0.pk]
        return better_of(order)(item, number) if item.prompt.text != "p0" or number else "tie"

    judge_every_pair(campaign, judges, decide)
    # A voided vote reopens its item: incomplete, its votes are in neither the rankings nor the file.
    judgement_void(
        judgement=Judgement.objects.filter(campaign=campaign).last(), by=make_user(Role.REVIEWER), reason="x"
    )
    figures = rankings_figures(FigureScope())
    votes = exported_items(fmt, "pairwise_votes")

    counted = [
        v for v in votes if not v["excluded"] and (v["item_purpose"] == "regular" or v["before_check"])
    ]
    names = sorted({v["model_a"] for v in counted} | {v["model_b"] for v in counted})
    index = {name: i for i, name in enumerate(names)}
    code = {"a": 0, "b": 1, "tie": 2, "both_bad": 3}
    fitted = bradley_terry(
        win_matrix(
            Votes.of(
                [index[v["model_a"]] for v in counted],
                [index[v["model_b"]] for v in counted],
                [code[v["preferred"]] for v in counted],
                [v["a_on_left"] for v in counted],
            ),
            len(names),
        ),
        n_resamples=0,
    )
    assert len(counted) == figures["overall"]["votes"] == 3 * 3 * 3 - 3
    for row in figures["overall"]["rows"]:
        assert row["rating"] == pytest.approx(fitted.elo[index[row["model"]]], abs=1e-6)
