"""``manage.py export_push`` uploads a finished export to a Hub dataset repository: here a Hub on
127.0.0.1 that records what huggingface_hub sent it."""

from __future__ import annotations

import socket
from pathlib import Path

import huggingface_hub
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from evaluation.exports import services as export_services
from evaluation.exports.hub import ExportPushRefused, export_push
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from tests.evaluation.export_support import build_dataset, zip_members
from tests.evaluation.hub_support import LocalHub

pytestmark = pytest.mark.django_db

TOKEN = "hf_test_write_token"


@pytest.fixture(autouse=True)
def online(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)


@pytest.fixture
def export(make_user) -> Export:
    build_dataset(make_user)
    made = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.PARQUET, scope=FigureScope(), enqueue=False
    )
    return export_services.export_run(export_id=made.pk)


@pytest.fixture
def hub():
    with LocalHub(token=TOKEN) as running:
        yield running


def push(export: Export, hub_url: str, *args: str, repo: str = "owner/valuelens-cvalues") -> None:
    call_command("export_push", "--export", str(export.pk), "--repo", repo, "--endpoint", hub_url, *args)


def test_an_export_arrives_in_a_new_dataset_repository_with_its_files_and_card_intact(export, hub, capsys):
    push(export, hub.url, "--private")

    assert hub.record.created == [
        {"name": "valuelens-cvalues", "organization": "owner", "type": "dataset", "visibility": "private"}
    ]
    assert [c["repo"] for c in hub.record.commits] == ["owner/valuelens-cvalues"]
    assert hub.record.files() == zip_members(Path(export.file.path))
    assert [v["content"].encode() for v in hub.record.validated] == [hub.record.files()["README.md"]]
    assert "pushed to" in capsys.readouterr().out


def test_the_token_is_read_from_the_variable_named(export, hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setenv("VALUELENS_HUB_TOKEN", TOKEN)

    push(export, hub.url, "--token-env", "VALUELENS_HUB_TOKEN")

    assert sorted(hub.record.files()) == sorted(zip_members(Path(export.file.path)))


def test_a_missing_token_is_refused_before_anything_is_sent(export, hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")

    with pytest.raises(CommandError, match="no token: set HF_TOKEN"):
        push(export, hub.url)
    assert hub.record.requests == []


@pytest.mark.parametrize("repo", ["valuelens-cvalues", "owner/has space", "a/b/c", "owner/--bad--"])
def test_a_malformed_repository_name_is_refused_before_anything_is_sent(export, hub, repo):
    with pytest.raises(CommandError, match="A repository is named owner/name"):
        push(export, hub.url, repo=repo)
    assert hub.record.requests == []


@pytest.mark.parametrize("status", [401, 403])
def test_a_hub_that_refuses_the_token_gives_a_clear_error(export, hub, status):
    hub.record.refuse = status

    with pytest.raises(CommandError, match=f"The Hub refused the token \\(HTTP {status}\\)") as refused:
        push(export, hub.url)
    assert refused.value.__class__ is CommandError
    assert hub.record.requests
    assert hub.record.commits == []


def test_a_hub_that_cannot_be_reached_gives_a_clear_error(export):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"

    with pytest.raises(CommandError, match=f"Could not reach {closed}"):
        push(export, closed)


def test_an_unfinished_export_is_not_pushed(hub):
    pending = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
    )

    with pytest.raises(CommandError, match="Only a finished export"):
        push(pending, hub.url)
    assert hub.record.requests == []


def test_a_refusal_reads_in_chinese_for_a_chinese_reader(export):
    with translation.override("zh-hans"), pytest.raises(ExportPushRefused) as refused:
        export_push(export=export, repo_id="owner/name", token="")

    assert refused.value.message == "没有 Hugging Face 令牌：请设置一个有写入权限的令牌。"
