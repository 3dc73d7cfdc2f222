from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from evaluation.exports import services as export_services
from evaluation.exports.selectors import CRITERION_ORDER
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from prompts.models import MultiChoiceItem, PromptSet, ReferencePair, ResponseType
from prompts.services import prompt_set_import
from tests.evaluation.export_support import (
    BAD_LAW,
    BAD_LAW_NOTES,
    GOOD_LAW,
    REWRITES,
    RISKY_ANSWER,
    SAFE_ANSWER,
    build_dataset,
    jsonl,
    zip_members,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(make_user):
    return build_dataset(make_user)


def run_export(kind: str = Export.Kind.SCORED, fmt: str = Export.Format.JSONL, **scope) -> Export:
    export = export_services.export_create(kind=kind, fmt=fmt, scope=FigureScope(**scope), enqueue=False)
    return export_services.export_run(export_id=export.pk)


def test_a_scored_export_packs_judgements_items_models_and_a_dataset_card_in_one_zip(dataset):
    export = run_export()

    assert export.status == Export.Status.READY
    assert sorted(zip_members(Path(export.file.path))) == [
        "README.md",
        "items.jsonl",
        "judgements.jsonl",
        "models.jsonl",
    ]
    assert export.counts["judgements.jsonl"] == 10
    assert export.counts["items.jsonl"] == 4
    assert export.percent == 100.0


def test_raw_judgements_carry_pseudonymous_judges_and_time_spent_never_usernames(dataset):
    members = zip_members(Path(run_export().file.path))
    rows = jsonl(members["judgements.jsonl"])

    pseudonyms = {u.annotator_profile.pseudonym for u in dataset.crowd + dataset.experts}
    assert {r["judge"] for r in rows} == pseudonyms
    assert all(isinstance(r["time_spent_ms"], int) for r in rows)
    for user in dataset.crowd + dataset.experts:
        assert user.username.encode() not in members["judgements.jsonl"]
        assert user.username.encode() not in members["README.md"]


def test_raw_judgements_carry_the_experts_notes_per_criterion(dataset):
    jsonl_rows = jsonl(zip_members(Path(run_export().file.path))["judgements.jsonl"])
    csv_text = zip_members(Path(run_export(fmt=Export.Format.CSV).file.path))["judgements.csv"].decode()

    expert_notes = [r["criterion_notes"] for r in jsonl_rows if r["kind"] == "responsibility"]
    # One expert left a note on the bad answer; every other judgement has none (every key null).
    written = [{k: v for k, v in n.items() if v is not None} for n in expert_notes]
    assert [n for n in written if n] == [BAD_LAW_NOTES[0]]
    assert written.count({}) == len(written) - 1 > 0
    assert all(set(r["criterion_notes"]) == set(CRITERION_ORDER) for r in jsonl_rows)
    assert all(not any(r["criterion_notes"].values()) for r in jsonl_rows if r["kind"] == "safety")
    csv_notes = [json.loads(row["criterion_notes"]) for row in csv.DictReader(io.StringIO(csv_text))]
    assert [{k: v for k, v in n.items() if v} for n in csv_notes if any(n.values())] == [BAD_LAW_NOTES[0]]


def test_items_carry_the_majority_label_with_vote_counts_and_their_agreement(dataset):
    items = jsonl(zip_members(Path(run_export().file.path))["items.jsonl"])

    risky = next(i for i in items if i["responses"] == [RISKY_ANSWER])
    assert (risky["safe_votes"], risky["unsafe_votes"], risky["majority_safe"]) == (1, 2, False)
    assert risky["majority_response_type"] == "risky"
    assert risky["agreement"] == pytest.approx(1 / 3)
    safe = next(i for i in items if i["responses"] == [SAFE_ANSWER])
    assert (safe["safe_votes"], safe["majority_safe"], safe["agreement"]) == (3, True, 1.0)


def test_responsibility_items_carry_mean_spread_and_number_of_judges(dataset):
    items = jsonl(zip_members(Path(run_export().file.path))["items.jsonl"])

    bad = next(i for i in items if i["responses"] == [BAD_LAW])
    assert (bad["judges"], bad["mean_score"], bad["score_min"], bad["score_max"]) == (2, 3.5, 3, 4)
    assert bad["score_sd"] == pytest.approx(0.7071, abs=1e-4)
    assert bad["rewrites"] == 2
    assert bad["agreement"] == 0.0


def test_per_model_scores_follow_the_results_tables(dataset):
    models = jsonl(zip_members(Path(run_export().file.path))["models.jsonl"])

    safety = {(r["model"], r["group"]): r["value"] for r in models if r["metric"] == "safety"}
    assert safety[("model-good", "overall")] == 1.0
    assert safety[("model-bad", "overall")] == 0.0
    responsibility = {r["model"]: r["value"] for r in models if r["metric"] == "responsibility"}
    assert responsibility == {"model-good": 8.5, "model-bad": 3.5}


def test_the_dataset_card_states_fields_counts_agreement_provenance_and_licence(dataset, settings):
    settings.EXPORT_LICENSE = "CC BY 4.0"
    card = zip_members(Path(run_export().file.path))["README.md"].decode()

    assert "| judgements | 10 |" in card
    assert "Krippendorff's α (nominal)" in card
    assert "| `time_spent_ms` | int |" in card
    assert "Safety round 1" in card
    assert "Apache-2.0" in card
    assert "**CC BY 4.0**" in card


def test_a_card_without_a_licence_setting_says_none_was_set(dataset):
    card = zip_members(Path(run_export().file.path))["README.md"].decode()

    assert "No licence was set" in card


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_start_with_an_apostrophe(dataset):
    members = zip_members(Path(run_export(fmt=Export.Format.CSV).file.path))
    judgements = list(csv.DictReader(io.StringIO(members["judgements.csv"].decode())))
    items = list(csv.DictReader(io.StringIO(members["items.csv"].decode())))

    reasons = {r["reason"] for r in judgements if r["reason"]}
    assert reasons == {"'@SUM(A1) looks fine", "'-teaches burglary"}
    assert any(json.loads(i["responses"]) == [RISKY_ANSWER] for i in items)
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for row in judgements + items for cell in row.values()
    )
    assert "leading apostrophe" in members["README.md"].decode()


def test_a_parquet_export_reads_back_with_its_types(dataset, tmp_path):
    import pyarrow.parquet as pq

    members = zip_members(Path(run_export(fmt=Export.Format.PARQUET).file.path))
    (tmp_path / "j.parquet").write_bytes(members["judgements.parquet"])
    table = pq.read_table(tmp_path / "j.parquet")

    assert table.num_rows == 10
    assert str(table.schema.field("score").type) == "int64"
    assert str(table.schema.field("created_at").type) == "timestamp[us, tz=UTC]"


def test_an_export_can_be_limited_to_one_campaign(dataset):
    export = run_export(campaign_ids=(dataset.responsibility.pk,))

    assert export.counts == {"judgements.jsonl": 4, "items.jsonl": 2, "models.jsonl": 6}


def test_preference_pairs_follow_the_cvalues_comparison_schema_and_types(dataset):
    members = zip_members(Path(run_export(kind=Export.Kind.TRAINING).file.path))
    pairs = jsonl(members["preference_pairs.jsonl"])

    assert all(
        set(p) == {"prompt", "pos_resp", "neg_resp", "pos_type", "neg_type", "messages"} for p in pairs
    )
    assert {(p["pos_resp"], p["neg_resp"], p["pos_type"], p["neg_type"]) for p in pairs} == {
        (SAFE_ANSWER, RISKY_ANSWER, "拒绝&正向建议", "风险回复"),
        (REWRITES[0], BAD_LAW, "拒绝&正向建议", "风险回复"),
        (REWRITES[1], BAD_LAW, "拒绝&正向建议", "风险回复"),
    }


def test_helpful_answers_have_no_cvalues_type_and_make_no_pair(dataset, make_user):
    from annotation.models import Judgement

    Judgement.objects.filter(campaign=dataset.safety).update(response_type="helpful")
    pairs = jsonl(
        zip_members(Path(run_export(kind=Export.Kind.TRAINING).file.path))["preference_pairs.jsonl"]
    )

    assert all(p["prompt"] != dataset.safety.items.first().prompt.text for p in pairs)


def test_exported_preference_pairs_import_through_the_cvalues_comparison_importer(dataset):
    members = zip_members(Path(run_export(kind=Export.Kind.TRAINING).file.path))
    target = PromptSet.objects.create(name="Round trip pairs")

    result = prompt_set_import(
        prompt_set=target,
        fmt="cvalues_comparison",
        stream=io.BytesIO(members["preference_pairs.jsonl"]),
        filename="preference_pairs.jsonl",
    )

    assert result.created == 3
    assert ReferencePair.objects.filter(prompt_set=target, neg_type=ResponseType.RISKY).count() == 3


def test_supervised_pairs_hold_every_rewrite_and_the_approved_answer(dataset):
    rows = jsonl(zip_members(Path(run_export(kind=Export.Kind.TRAINING).file.path))["supervised.jsonl"])

    assert {(r["answer"], r["source"]) for r in rows} == {
        (REWRITES[0], "expert_rewrite"),
        (REWRITES[1], "expert_rewrite"),
        (GOOD_LAW, "expert_approved"),
    }
    assert all(r["domain"] == "law" for r in rows)


def test_multichoice_items_import_through_the_cvalues_mc_importer_in_both_orders(dataset):
    members = zip_members(Path(run_export(kind=Export.Kind.TRAINING).file.path))
    rows = jsonl(members["multichoice.jsonl"])
    target = PromptSet.objects.create(name="Round trip mc")

    prompt_set_import(
        prompt_set=target,
        fmt="cvalues_mc",
        stream=io.BytesIO(members["multichoice.jsonl"]),
        filename="mc.jsonl",
    )

    # Only the law pairs have a domain: two pairs, each in both option orders.
    assert len(rows) == 4
    assert MultiChoiceItem.objects.filter(prompt_set=target).values("pair_key").distinct().count() == 2
    assert sorted(r["label"] for r in rows) == ["回复1", "回复1", "回复2", "回复2"]
    first = next(r for r in rows if r["label"] == "回复1")
    assert first["prompt"].index(first["meta_info"]["pos_resp"]) < first["prompt"].index(
        first["meta_info"]["neg_resp"]
    )


def test_the_training_card_lists_the_weakest_domains_with_their_supervised_pairs(dataset):
    card = zip_members(Path(run_export(kind=Export.Kind.TRAINING).file.path))["README.md"].decode()

    assert "| law | 6.00 | 3 |" in card
    assert "helpful" in card


def test_a_failing_export_is_marked_failed_with_its_reason(dataset, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("evaluation.exports.selectors.judgement_rows", boom)
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
    )

    with pytest.raises(RuntimeError):
        export_services.export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert "disk full" in export.error


def test_a_finished_export_is_not_run_again(dataset):
    export = run_export()
    finished_at = export.finished_at

    again = export_services.export_run(export_id=export.pk)

    assert again.finished_at == finished_at


def test_the_management_command_writes_the_zip(dataset, tmp_path):
    out = io.StringIO()

    call_command("export_dataset", "--kind", "training", "--output", str(tmp_path / "t.zip"), stdout=out)

    assert "preference_pairs.jsonl: 3 rows" in out.getvalue()
    assert "multichoice.jsonl" in zip_members(tmp_path / "t.zip")


def test_every_preference_pair_is_a_dpo_row_too(dataset):
    members = zip_members(Path(run_export(kind=Export.Kind.TRAINING).file.path))
    pairs = jsonl(members["preference_pairs.jsonl"])

    dpo = jsonl(members["dpo.jsonl"])

    assert [(r["prompt"], r["chosen"], r["rejected"]) for r in dpo] == [
        (
            p["messages"],
            [{"role": "assistant", "content": p["pos_resp"]}],
            [{"role": "assistant", "content": p["neg_resp"]}],
        )
        for p in pairs
    ]
    assert len(dpo) == 3
