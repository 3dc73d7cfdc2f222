"""The real local model (the local-model extra): Qwen2.5-Coder-0.5B served by llama.cpp through
`manage.py local_model_serve`. These tests fail, never skip, when the extra is not installed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from models_registry import local_model
from models_registry.local_model import (
    DEMO_MODEL_NAME,
    DEMO_SAMPLE_SET,
    QWEN_CODER_05B,
    LocalModelError,
    LocalModelMissing,
    ModelFile,
    file_verify,
    local_model_assemble,
    local_model_demo_start,
)
from models_registry.models import GenerationRun, Response
from models_registry.services import generation_run_start, model_register
from prompts.models import Level, PromptSet

pytestmark = pytest.mark.local_model


@pytest.fixture
def cvalues_texts(cvalues_prompts_path: Path) -> list[str]:
    with cvalues_prompts_path.open(encoding="utf-8") as stream:
        return [json.loads(line)["prompt"] for line in stream if line.strip()]


@pytest.mark.django_db(transaction=True)
def test_a_run_over_two_cvalues_prompts_stores_two_real_answers_with_usage(
    local_server: str, cvalues_texts: list[str], make_prompts: Callable[..., PromptSet]
):
    model = model_register(
        name="qwen-local-test",
        base_url=local_server,
        model_id=QWEN_CODER_05B.alias,
        temperature=0.0,
        max_tokens=24,
        max_concurrency=2,
        # A loaded 2-core machine answers slowly; this checks answers, not speed.
        timeout_s=120,
        max_retries=1,
    )
    prompt_set = make_prompts(cvalues_texts[0], cvalues_texts[-1], level=Level.RESPONSIBILITY)

    run = generation_run_start(name="local", prompt_set=prompt_set, models=[model])

    responses = list(Response.objects.filter(runs=run))
    assert [r.status for r in responses] == ["succeeded", "succeeded"], [r.error for r in responses]
    for response in responses:
        assert response.text.strip()
        assert response.finish_reason in {"stop", "length"}
        assert response.prompt_tokens > 0
        assert 0 < response.completion_tokens <= 24
        assert response.latency_ms > 0
    run.refresh_from_db()
    assert run.status == GenerationRun.Status.FINISHED


def test_temperature_zero_gives_the_same_answer_twice(local_server: str, cvalues_texts: list[str]):
    body = {
        "model": QWEN_CODER_05B.alias,
        "messages": [{"role": "user", "content": cvalues_texts[1]}],
        "temperature": 0,
        "max_tokens": 24,
    }

    answers = [
        httpx.post(f"{local_server}/chat/completions", json=body, timeout=60).raise_for_status().json()
        for _ in range(2)
    ]

    first, second = (a["choices"][0]["message"]["content"] for a in answers)
    assert first.strip()
    assert first == second


def test_a_file_whose_sha256_differs_is_rejected(tmp_path: Path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"GGUF and some weights")
    good = hashlib.sha256(b"GGUF and some weights").hexdigest()
    file_verify(path=path, sha256=good)

    path.write_bytes(b"GGUF and some WEIGHTS, corrupted")

    with pytest.raises(LocalModelError, match="corrupted"):
        file_verify(path=path, sha256=good)


def test_a_verified_file_is_not_hashed_again_until_it_changes(tmp_path: Path, monkeypatch):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"weights")
    good = hashlib.sha256(b"weights").hexdigest()
    hashed: list[Path] = []
    real_sha256 = local_model.file_sha256
    monkeypatch.setattr(local_model, "file_sha256", lambda p: hashed.append(p) or real_sha256(p))

    file_verify(path=path, sha256=good)
    file_verify(path=path, sha256=good)
    assert len(hashed) == 1

    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    file_verify(path=path, sha256=good)
    assert len(hashed) == 2


def fake_parts(root: Path, chunks: list[bytes]) -> tuple[tuple[str, str], ...]:
    """Install packages fake_part1..N under root, each holding one chunk like the real ones."""
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        package = root / f"fake_part{i}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        parts.append((f"fake_part{i}", f"data/part{i:02d}.bin"))
    return tuple(parts)


def test_assembly_joins_the_parts_in_order_and_is_skipped_once_done(tmp_path: Path, monkeypatch):
    chunks = [b"GGUF", b"-first", b"-second"]
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = ModelFile(
        filename="fake.gguf",
        sha256=hashlib.sha256(b"".join(chunks)).hexdigest(),
        parts=fake_parts(tmp_path / "site", chunks),
        alias="fake",
    )

    path = local_model_assemble(out_dir=tmp_path / "models", model=model)
    mtime = path.stat().st_mtime_ns
    again = local_model_assemble(out_dir=tmp_path / "models", model=model)

    assert path == again == tmp_path / "models" / "fake.gguf"
    assert path.read_bytes() == b"GGUF-first-second"
    assert path.stat().st_mtime_ns == mtime
    assert not list(path.parent.glob("*.part"))


def test_assembled_parts_with_the_wrong_sha256_leave_no_model_file(tmp_path: Path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = ModelFile(
        filename="fake.gguf",
        sha256=hashlib.sha256(b"something else").hexdigest(),
        parts=fake_parts(tmp_path / "site", [b"GGUF", b"-tampered"]),
        alias="fake",
    )

    with pytest.raises(LocalModelError, match="sha256"):
        local_model_assemble(out_dir=tmp_path / "models", model=model)

    assert list((tmp_path / "models").iterdir()) == []


def test_assembly_without_the_extra_names_the_missing_packages_and_the_install_command(tmp_path: Path):
    model = ModelFile(
        filename="absent.gguf",
        sha256="0" * 64,
        parts=(("valuelens_absent_part1", "data/part01.bin"),),
        alias="absent",
    )

    with pytest.raises(LocalModelMissing) as error:
        local_model_assemble(out_dir=tmp_path, model=model)

    assert "valuelens-absent-part1" in str(error.value)
    assert 'pip install -e ".[local-model]"' in str(error.value)


@pytest.mark.django_db
def test_the_demo_samples_every_domain_and_starting_it_again_starts_no_new_work(held_tasks):
    call_command("demo_seed", "--allow-production", stdout=io.StringIO())
    base_url = "http://127.0.0.1:8089/v1"

    first = local_model_demo_start(base_url=base_url, sample_size=12)

    sample = first.run.prompt_set
    assert sample.name == DEMO_SAMPLE_SET
    assert sample.prompts.count() == first.prompts == 12
    assert sample.prompts.values("domain").distinct().count() == 8
    source = PromptSet.objects.get(name="CValues responsibility prompts")
    for prompt in sample.prompts.all():
        original = source.prompts.get(external_id=prompt.external_id)
        assert (prompt.text, prompt.domain_id, prompt.level) == (
            original.text,
            original.domain_id,
            original.level,
        )
    assert first.model.name == DEMO_MODEL_NAME
    assert (first.model.temperature, first.model.max_tokens, first.model.max_concurrency) == (0.7, 160, 2)
    assert first.created
    assert sorted(i for batch in held_tasks for i in batch) == sorted(
        first.run.responses.values_list("id", flat=True)
    )

    held_tasks.clear()
    again = local_model_demo_start(base_url=base_url, sample_size=12)

    assert not again.created
    assert again.run == first.run
    assert GenerationRun.objects.count() == 1
    assert Response.objects.count() == 12
    # Only the same unfinished generations go back to the queue; their claims keep them from being fetched twice.
    assert sorted(i for batch in held_tasks for i in batch) == sorted(
        first.run.responses.values_list("id", flat=True)
    )

    first.run.responses.update(status=Response.Status.SUCCEEDED)
    held_tasks.clear()
    local_model_demo_start(base_url=base_url, sample_size=12)

    assert held_tasks == []
    assert GenerationRun.objects.count() == 1
