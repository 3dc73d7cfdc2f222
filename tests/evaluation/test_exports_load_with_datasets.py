"""Exports load where researchers work: Hugging Face ``datasets`` reads each file (by name, and as a
config of the export folder, which the card's YAML header lists), offline; the card is one the Hub
parses (huggingface_hub's DatasetCard)."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import datasets
import huggingface_hub
import pytest
from django.urls import reverse
from huggingface_hub import DatasetCard

from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from prompts.models import Prompt
from tests.evaluation.export_support import BAD_LAW_NOTES, REWRITES, SAFE_ANSWER, build_dataset
from tests.evaluation.rankings_support import better_of, judge_every_pair

pytestmark = pytest.mark.django_db

# One row per block: the reader guesses types block by block, so a column whose shape or type
# changes between rows (an object with other keys, a null before a number) fails to load.
ROW_BY_ROW = 16


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No network and a cache of the test's own, whatever the machine's settings."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    datasets.disable_progress_bars()


@pytest.fixture
def judged(make_user, pair_setup, make_pair_campaign):
    """Safety and law campaigns judged by people, and a pairwise campaign voted on."""
    dataset = build_dataset(make_user)
    setup = pair_setup(models=2, prompts=2)
    campaign = make_pair_campaign(setup, n=3)
    judge_every_pair(
        campaign, [make_user(Role.CROWDWORKER) for _ in range(3)], better_of([m.pk for m in setup.models])
    )
    return dataset


def exported(tmp_path: Path, kind: str, fmt: str) -> tuple[Export, Path]:
    export = export_services.export_create(kind=kind, fmt=fmt, scope=FigureScope(), enqueue=False)
    export = export_services.export_run(export_id=export.pk)
    folder = tmp_path / f"{kind}-{fmt}"
    with zipfile.ZipFile(export.file.path) as archive:
        archive.extractall(folder)
    return export, folder


def load(path: Path | str, *args, tmp_path: Path, **kwargs) -> datasets.Dataset:
    return datasets.load_dataset(str(path), *args, split="train", cache_dir=str(tmp_path / "cache"), **kwargs)


def configs(folder: Path) -> dict[str, str]:
    card = DatasetCard.load(folder / "README.md")
    return {c["config_name"]: c["data_files"][0]["path"] for c in card.data.configs}


@pytest.mark.sqlite
def test_every_file_of_a_jsonl_scored_export_loads_as_a_config_of_its_folder(judged, tmp_path):
    export, folder = exported(tmp_path, Export.Kind.SCORED, Export.Format.JSONL)

    assert configs(folder) == {name.removesuffix(".jsonl"): name for name in export.counts}
    for name, filename in configs(folder).items():
        rows = load(folder, name, tmp_path=tmp_path, chunksize=ROW_BY_ROW)
        assert len(rows) == export.counts[filename] > 0
    judgements = load(folder, "judgements", tmp_path=tmp_path, chunksize=ROW_BY_ROW)
    notes = [r["criterion_notes"] for r in judgements if r["criterion_notes"]["informative"]]
    assert [n["informative"] for n in notes] == [BAD_LAW_NOTES[0]["informative"]]
    assert sorted(r["rewrite"] for r in judgements if r["rewrite"]) == sorted(REWRITES)
    items = load(folder, "items", tmp_path=tmp_path, chunksize=ROW_BY_ROW)
    safe = next(r for r in items if r["responses"] == [SAFE_ANSWER])
    assert safe["response_type_votes"] == {"helpful": 0, "refusal_guidance": 3, "bare_refusal": 0, "risky": 0}


def test_the_folder_loads_its_first_file_when_no_config_is_named(judged, tmp_path):
    export, folder = exported(tmp_path, Export.Kind.SCORED, Export.Format.PARQUET)

    rows = load(folder, tmp_path=tmp_path)

    assert len(rows) == export.counts["judgements.parquet"]
    assert "judge" in rows.column_names


def test_every_file_of_a_parquet_scored_export_loads_by_name_and_as_a_config(judged, tmp_path):
    export, folder = exported(tmp_path, Export.Kind.SCORED, Export.Format.PARQUET)

    assert configs(folder) == {name.removesuffix(".parquet"): name for name in export.counts}
    for name, filename in configs(folder).items():
        by_name = load("parquet", tmp_path=tmp_path, data_files=str(folder / filename))
        as_config = load(folder, name, tmp_path=tmp_path)
        assert len(by_name) == len(as_config) == export.counts[filename] > 0
        assert by_name.features == as_config.features


def test_every_file_of_a_jsonl_training_export_loads_as_a_config_of_its_folder(judged, tmp_path):
    export, folder = exported(tmp_path, Export.Kind.TRAINING, Export.Format.JSONL)

    assert set(configs(folder).values()) == set(export.counts)
    for name, filename in configs(folder).items():
        assert len(load(folder, name, tmp_path=tmp_path, chunksize=ROW_BY_ROW)) == export.counts[filename] > 0
    dpo = load(folder, "dpo", tmp_path=tmp_path, chunksize=ROW_BY_ROW)
    assert {m["role"] for row in dpo for m in row["chosen"]} == {"assistant"}
    assert dpo[0]["prompt"][-1]["role"] == "user"


def test_a_parquet_training_export_lists_its_parquet_files_and_its_jsonl_files_load_by_name(judged, tmp_path):
    export, folder = exported(tmp_path, Export.Kind.TRAINING, Export.Format.PARQUET)

    parquet = {name for name in export.counts if name.endswith(".parquet")}
    assert set(configs(folder).values()) == parquet
    for name, filename in configs(folder).items():
        assert len(load(folder, name, tmp_path=tmp_path)) == export.counts[filename] > 0
    for filename in set(export.counts) - parquet:
        rows = load("json", tmp_path=tmp_path, data_files=str(folder / filename), chunksize=ROW_BY_ROW)
        assert len(rows) == export.counts[filename] > 0


def test_the_card_is_a_hugging_face_dataset_card_with_licence_languages_size_and_agreement(
    judged, tmp_path, settings
):
    settings.EXPORT_LICENSE = "CC BY 4.0"
    _, folder = exported(tmp_path, Export.Kind.SCORED, Export.Format.JSONL)

    card = DatasetCard.load(folder / "README.md")

    assert card.data.license == "cc-by-4.0"
    assert card.data.language == ["zh"]
    assert card.data.size_categories == ["n<1K"]
    assert card.data.task_categories == ["text-classification"]
    assert card.data.pretty_name.startswith("ValueLens scored dataset")
    assert card.text.lstrip().startswith("# ValueLens scored dataset")
    assert "## Agreement" in card.text
    assert "Krippendorff's α (nominal)" in card.text
    assert "α not computable" in card.text or "reliable" in card.text


def test_a_licence_the_hub_does_not_know_is_named_as_other(judged, tmp_path, settings):
    settings.EXPORT_LICENSE = "ValueLens research terms v2"
    _, folder = exported(tmp_path, Export.Kind.TRAINING, Export.Format.JSONL)

    card = DatasetCard.load(folder / "README.md")

    assert (card.data.license, card.data.license_name) == ("other", "valuelens-research-terms-v2")
    assert card.data.task_categories == ["text-generation"]


def test_every_file_of_a_csv_scored_export_loads_as_a_config_with_plain_column_names(judged, tmp_path):
    export, folder = exported(tmp_path, Export.Kind.SCORED, Export.Format.CSV)

    assert configs(folder) == {name.removesuffix(".csv"): name for name in export.counts}
    for name, filename in configs(folder).items():
        rows = load(folder, name, tmp_path=tmp_path)
        assert len(rows) == export.counts[filename] > 0
    # The byte-order mark Excel needs is not part of the first column's name.
    assert load(folder, "judgements", tmp_path=tmp_path).column_names[0] == "judgement_id"


def test_the_snippet_on_the_export_page_loads_the_unzipped_download(
    judged, tmp_path, client, admin_user, monkeypatch
):
    export, _ = exported(tmp_path, Export.Kind.SCORED, Export.Format.JSONL)
    client.force_login(admin_user)
    page = client.get(reverse("evaluation:export", args=[export.pk])).text
    snippet = html.unescape(re.search(r'<code data-snippet="datasets">(.*?)</code>', page, re.S).group(1))
    download = tmp_path / "download"
    with zipfile.ZipFile(export.file.path) as archive:
        archive.extractall(download / Path(export.file.name).stem)
    monkeypatch.chdir(download)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "cache")

    names: dict = {}
    exec(snippet, names)  # noqa: S102 - the page's own snippet, run as a reader would

    assert len(names["rows"]) == export.counts["judgements.jsonl"]


def test_the_hint_on_the_export_page_reads_in_chinese(judged, tmp_path, client, admin_user):
    export, _ = exported(tmp_path, Export.Kind.SCORED, Export.Format.JSONL)
    client.force_login(admin_user)

    page = client.get(
        reverse("evaluation:export", args=[export.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    ).text

    assert "用 Hugging Face 的 datasets 库加载" in page
    assert "要把这份导出上传到 Hugging Face Hub 上的数据集仓库（需要联网）" in page
    assert "Load it with" not in page


def test_the_card_names_english_beside_chinese_when_some_prompts_are_english(judged, tmp_path):
    Prompt.objects.filter(prompt_set__name__startswith="pairs").update(
        text="How do I pick my neighbour's lock?"
    )
    _, folder = exported(tmp_path, Export.Kind.SCORED, Export.Format.PARQUET)

    assert DatasetCard.load(folder / "README.md").data.language == ["zh", "en"]
