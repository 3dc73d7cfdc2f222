"""Writes for exports: start one, run it on a worker (files + dataset card in one zip), and read
an export of ours back into a database (the round trip).

Exports live in evaluation because they are derived figures (majorities, agreement, scores,
training pairs) beside the raw judgements; the importer sits with them because only this module
knows the export format. Data still flows one way: nothing upstream imports this.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import transaction
from django.utils import timezone

from annotation.models import AnnotatorProfile, Campaign, Item, ItemResponse, Judgement
from annotation.roles import Role
from annotation.services import annotator_profile_get_or_create
from config.queue import task_enqueue
from evaluation import export_selectors as rows
from evaluation.export_cards import dataset_card
from evaluation.export_formats import Column, ExportFormatUnavailable, parquet_available, writer_open
from evaluation.models import Export
from evaluation.selectors import FigureScope, agreement_figures, results_figures
from models_registry.models import RegisteredModel, Response
from prompts.models import Domain, Level, Prompt, PromptSet, Scenario

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5


class ExportRefused(Exception):
    """The export cannot be started as asked; the message says why."""


def export_create(
    *, kind: str, fmt: str, scope: FigureScope, user: AbstractBaseUser | None = None, enqueue: bool = True
) -> Export:
    """Record an export and queue it for a worker (after the transaction commits)."""
    if kind not in Export.Kind.values:
        raise ExportRefused(f"unknown export kind {kind!r}")
    if fmt not in Export.Format.values:
        raise ExportRefused(f"unknown format {fmt!r}")
    if fmt == Export.Format.PARQUET and not parquet_available():
        raise ExportRefused('Parquet needs the parquet extra (pip install "valuelens[parquet]").')
    export = Export.objects.create(kind=kind, format=fmt, scope=scope.as_dict(), created_by=user)
    if enqueue:
        task_enqueue("evaluation.tasks.export_run_task", export.pk)
    return export


@dataclass
class _Progress:
    export_id: int
    done: int = 0
    last: float = field(default_factory=time.monotonic)

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            Export.objects.filter(pk=self.export_id).update(rows_done=self.done)


def _write(
    directory: Path, name: str, fmt: str, columns: list[Column], data: Iterable[dict[str, Any]]
) -> tuple[str, int]:
    filename = f"{name}.{fmt}"
    writer = writer_open(fmt=fmt, path=directory / filename, columns=columns)
    count = 0
    try:
        for row in data:
            writer.write(row)
            count += 1
    finally:
        writer.close()
    return filename, count


def _counted(data: Iterable[dict[str, Any]], progress: _Progress, weight: Callable[[Any], int]):
    for row in data:
        progress.add(weight(row))
        yield row


def judgements_file_write(*, scope: FigureScope, fmt: str, path: Path, chunk_size: int | None = None) -> int:
    """Stream every judgement of a scope into one file; returns the rows written (the benchmark's
    unit of work, and the first file of a scored export)."""
    writer = writer_open(fmt=fmt, path=path, columns=rows.JUDGEMENT_COLUMNS)
    count = 0
    try:
        for row in rows.judgement_rows(scope=scope, chunk_size=chunk_size):
            writer.write(row)
            count += 1
    finally:
        writer.close()
    return count


def _scored_files(export: Export, scope: FigureScope, directory: Path, progress: _Progress) -> dict[str, Any]:
    fmt = export.format
    counts: dict[str, int] = {}
    name, n = _write(
        directory,
        "judgements",
        fmt,
        rows.JUDGEMENT_COLUMNS,
        _counted(rows.judgement_rows(scope=scope), progress, lambda _: 1),
    )
    counts[name] = n
    name, n = _write(
        directory,
        "items",
        fmt,
        rows.ITEM_COLUMNS,
        _counted(rows.item_rows(scope=scope), progress, lambda r: r["judges"]),
    )
    counts[name] = n
    results = results_figures(scope)
    name, n = _write(directory, "models", fmt, rows.MODEL_COLUMNS, rows.model_rows(figures=results))
    counts[name] = n
    return {
        "files": counts,
        "results": results,
        "agreement": agreement_figures(scope),
        "columns": {
            f"judgements.{fmt}": rows.JUDGEMENT_COLUMNS,
            f"items.{fmt}": rows.ITEM_COLUMNS,
            f"models.{fmt}": rows.MODEL_COLUMNS,
        },
    }


def _training_files(
    export: Export, scope: FigureScope, directory: Path, progress: _Progress
) -> dict[str, Any]:
    fmt = export.format
    counts: dict[str, int] = {}
    by_kind: dict[str, int] = {}

    def tallied(pairs: Iterator[rows.PreferencePair]) -> Iterator[dict[str, str]]:
        for p in pairs:
            key = f"{p.source}: {p.pos_type} > {p.neg_type}"
            by_kind[key] = by_kind.get(key, 0) + 1
            progress.add(1)
            yield p.row()

    name, n = _write(
        directory, "preference_pairs", fmt, rows.PAIR_COLUMNS, tallied(rows.preference_pairs(scope=scope))
    )
    counts[name] = n
    by_source: dict[str, int] = {}
    by_domain: dict[str, int] = {}

    def supervised() -> Iterator[dict[str, Any]]:
        for row in rows.supervised_rows(scope=scope):
            by_source[row["source"]] = by_source.get(row["source"], 0) + 1
            by_domain[row["domain"]] = by_domain.get(row["domain"], 0) + 1
            yield row

    name, n = _write(directory, "supervised", fmt, rows.SUPERVISED_COLUMNS, supervised())
    counts[name] = n
    # The cvalues_mc format is JSONL by definition (nested meta_info), whatever the chosen format.
    name, n = _write(
        directory,
        "multichoice",
        "jsonl",
        rows.MULTICHOICE_COLUMNS,
        rows.multichoice_rows(pairs=rows.preference_pairs(scope=scope)),
    )
    counts[name] = n
    return {
        "files": counts,
        "results": results_figures(scope),
        "pairs_by_kind": dict(sorted(by_kind.items())),
        "supervised_by_source": by_source,
        "supervised_by_domain": by_domain,
        "columns": {
            f"preference_pairs.{fmt}": rows.PAIR_COLUMNS,
            f"supervised.{fmt}": rows.SUPERVISED_COLUMNS,
            "multichoice.jsonl": rows.MULTICHOICE_COLUMNS,
        },
    }


def _pseudonyms_ensure(scope: FigureScope) -> None:
    """Every judge gets a pseudonym before rows are written, so no row falls back to a name."""
    missing = User.objects.filter(pk__in=scope.judgements().values("user_id"), annotator_profile__isnull=True)
    for user in missing:
        annotator_profile_get_or_create(user=user)


def export_run(*, export_id: int) -> Export | None:
    """Write an export's files and dataset card into one zip under MEDIA_ROOT/exports/.

    Safe to run twice: a finished export is left alone, and a redelivered task (its worker died)
    starts the files again from scratch.
    """
    with transaction.atomic():
        export = Export.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.is_finished:
            return export
        scope = FigureScope.from_dict(export.scope)
        _pseudonyms_ensure(scope)
        total = rows.scope_counts(scope=scope)["judgements"]
        passes = 2 if export.kind == Export.Kind.SCORED else 1
        export.status = Export.Status.RUNNING
        export.started_at = timezone.now()
        export.rows_total = total * passes
        export.rows_done = 0
        export.save(update_fields=["status", "started_at", "rows_total", "rows_done"])
    exports_dir = Path(settings.MEDIA_ROOT) / "exports"
    work = exports_dir / f"tmp-{export.pk}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    progress = _Progress(export.pk)
    try:
        build = _scored_files if export.kind == Export.Kind.SCORED else _training_files
        summary = build(export, scope, work, progress)
        card = dataset_card(
            export=export, scope=scope, counts=rows.scope_counts(scope=scope), summary=summary
        )
        (work / "README.md").write_text(card, encoding="utf-8")
        archive_name = f"valuelens-{export.kind}-{export.pk}-{export.format}.zip"
        archive = exports_dir / archive_name
        _zip(work, archive, ["README.md", *summary["files"]])
    except Exception as failure:
        logger.exception("export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED,
            error=f"{type(failure).__name__}: {failure}"[:2000],
            finished_at=timezone.now(),
        )
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(failure, ExportFormatUnavailable):
            return Export.objects.get(pk=export.pk)
        raise
    shutil.rmtree(work, ignore_errors=True)
    export.file.name = f"exports/{archive_name}"
    export.size_bytes = archive.stat().st_size
    export.counts = summary["files"]
    export.rows_done = export.rows_total
    export.status = Export.Status.READY
    export.finished_at = timezone.now()
    export.error = ""
    export.save(update_fields=["file", "size_bytes", "counts", "rows_done", "status", "finished_at", "error"])
    return export


def _zip(directory: Path, archive: Path, names: list[str]) -> None:
    partial = archive.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name in names:
            # Parquet is compressed already: deflating it again costs time for nothing.
            method = zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            zf.write(directory / name, arcname=name, compress_type=method)
    partial.replace(archive)


# ---------------------------------------------------------------- the round trip


@dataclass
class ImportedDataset:
    campaigns: int = 0
    items: int = 0
    judgements: int = 0
    judges: int = 0


IMPORT_BATCH = 2000
IMPORTED_BASE_URL = "http://127.0.0.1:9/imported/v1"


def _read_rows(zf: zipfile.ZipFile, name: str) -> Iterator[dict[str, Any]]:
    if name.endswith(".jsonl"):
        with zf.open(name) as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
        return
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        with zf.open(name) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=IMPORT_BATCH):
                for row in batch.to_pylist():
                    for key in ("responses", "response_ids", "response_type_votes"):
                        if isinstance(row.get(key), str):
                            row[key] = json.loads(row[key])
                    yield row
        return
    raise ExportRefused("only JSONL and Parquet exports can be imported (CSV is for spreadsheets)")


def _data_file(zf: zipfile.ZipFile, stem: str) -> str:
    for fmt in ("jsonl", "parquet"):
        if f"{stem}.{fmt}" in zf.namelist():
            return f"{stem}.{fmt}"
    if f"{stem}.csv" in zf.namelist():
        raise ExportRefused("only JSONL and Parquet exports can be imported (CSV is for spreadsheets)")
    raise ExportRefused(f"the archive holds no {stem}.jsonl or {stem}.parquet: is it a scored export?")


def _when(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


@transaction.atomic
def export_import(*, path: Path) -> ImportedDataset:
    """Read a scored export (JSONL or Parquet) into this database: prompt sets, prompts, models,
    responses, closed campaigns, items and judgements, with judges as users named by their
    pseudonyms. It restores history, so it writes rows directly rather than through judging (no
    leases, no open campaign); item counters are set from the judgements it brings."""
    result = ImportedDataset()
    domains = {d.slug: d for d in Domain.objects.all()}
    scenarios = {s.slug: s for s in Scenario.objects.all()}
    sets: dict[str, PromptSet] = {}
    models: dict[str, RegisteredModel] = {}
    campaigns: dict[int, Campaign] = {}
    judges_needed: dict[int, int] = {}
    item_ids: dict[int, int] = {}
    response_ids: dict[int, int] = {}
    with zipfile.ZipFile(path) as zf:
        for row in _read_rows(zf, _data_file(zf, "items")):
            prompt_set = sets.get(row["prompt_set"])
            if prompt_set is None:
                prompt_set, _ = PromptSet.objects.get_or_create(
                    name=row["prompt_set"], defaults={"source": f"ValueLens export {path.name}"}
                )
                sets[row["prompt_set"]] = prompt_set
            prompt, _ = Prompt.objects.get_or_create(
                prompt_set=prompt_set,
                external_id=row["prompt_external_id"],
                defaults={
                    "level": row["prompt_level"] or Level.SAFETY,
                    "domain": domains.get(row["domain"] or ""),
                    "scenario": scenarios.get(row["scenario"] or ""),
                    "source": "valuelens_export",
                    "text": row["prompt"],
                },
            )
            model = models.get(row["model"])
            if model is None:
                model, _ = RegisteredModel.objects.get_or_create(
                    name=row["model"],
                    defaults={"base_url": IMPORTED_BASE_URL, "model_id": row["model"], "is_active": False},
                )
                models[row["model"]] = model
            campaign = campaigns.get(row["campaign_id"])
            if campaign is None:
                campaign = Campaign.objects.create(
                    name=row["campaign"], kind=row["kind"], judges_per_item=1, status=Campaign.Status.CLOSED
                )
                campaigns[row["campaign_id"]] = campaign
            judges_needed[campaign.pk] = max(judges_needed.get(campaign.pk, 1), row["judges"])
            item = Item.objects.create(
                campaign=campaign,
                prompt=prompt,
                model=model,
                domain=domains.get(row["domain"] or "")
                if row["kind"] == Campaign.Kind.RESPONSIBILITY
                else None,
                judgement_count=row["judges"],
                open_slots=0,
            )
            item_ids[row["item_id"]] = item.pk
            old_ids = row.get("response_ids") or [None] * len(row["responses"])
            for position, (old_id, text) in enumerate(zip(old_ids, row["responses"], strict=True), start=1):
                response, _ = Response.objects.get_or_create(
                    prompt=prompt,
                    model=model,
                    params_hash="imported",
                    sample_index=position - 1,
                    defaults={"request_hash": "imported", "status": Response.Status.SUCCEEDED, "text": text},
                )
                ItemResponse.objects.create(item=item, response=response, position=position)
                if old_id is not None:
                    response_ids[old_id] = response.pk
            result.items += 1
        for campaign_id, n in judges_needed.items():
            Campaign.objects.filter(pk=campaign_id).update(judges_per_item=n)
        users: dict[str, User] = {}
        batch: list[tuple[Judgement, dict[str, Any]]] = []

        def flush() -> None:
            created = Judgement.objects.bulk_create([j for j, _ in batch])
            # created_at / updated_at are set on insert (auto_now); bulk_update keeps the exported ones.
            for judgement, (_, row) in zip(created, batch, strict=True):
                judgement.created_at = _when(row["created_at"])
                judgement.updated_at = _when(row["updated_at"])
            Judgement.objects.bulk_update(created, ["created_at", "updated_at"])
            batch.clear()

        for row in _read_rows(zf, _data_file(zf, "judgements")):
            user = users.get(row["judge"])
            if user is None:
                user = _judge_user(
                    pseudonym=row["judge"], kind=row["kind"], domain=domains.get(row["domain"])
                )
                users[row["judge"]] = user
            judgement = Judgement(
                item_id=item_ids[row["item_id"]],
                user=user,
                campaign=campaigns[row["campaign_id"]],
                safe=row["safe"],
                scenario=scenarios.get(row["judged_scenario"] or ""),
                response_type=row["response_type"] or "",
                reason=row["reason"] or "",
                score=row["score"],
                best_response_id=response_ids.get(row["best_response_id"]),
                none_good=bool(row["none_good"]),
                rewrite=row["rewrite"] or "",
                time_spent_ms=row["time_spent_ms"] or 0,
            )
            batch.append((judgement, row))
            result.judgements += 1
            if len(batch) >= IMPORT_BATCH:
                flush()
        if batch:
            flush()
    result.campaigns = len(campaigns)
    result.judges = len(users)
    return result


def _judge_user(*, pseudonym: str, kind: str, domain: Domain | None) -> User:
    profile = AnnotatorProfile.objects.select_related("user").filter(pseudonym=pseudonym).first()
    if profile is None:
        user = User.objects.create_user(username=pseudonym)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        profile = AnnotatorProfile.objects.create(user=user, pseudonym=pseudonym)
    role = Role.CROWDWORKER if kind == Campaign.Kind.SAFETY else Role.EXPERT
    profile.user.groups.add(Group.objects.get(name=role.value))
    if domain is not None:
        profile.domains.add(domain)
    return profile.user
