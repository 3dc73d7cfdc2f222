"""Writes for exports: start one, run it on a worker (files + dataset card in one zip).

Exports live in evaluation because they are derived figures (majorities, agreement, scores,
training pairs) beside the raw judgements."""

from __future__ import annotations

import itertools
import logging
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.jobs import job_claim, job_heartbeating, job_release
from common.queue import task_enqueue
from evaluation.exports import selectors as rows
from evaluation.exports._cards import dataset_card
from evaluation.exports._formats import Column, ExportFormatUnavailable, parquet_available, writer_open
from evaluation.figures.selectors import FigureScope, agreement_figures, results_figures
from evaluation.judges.selectors import judge_figures
from evaluation.models import Export
from evaluation.rankings.selectors import pairwise_campaign_ids
from people.services import annotator_profile_get_or_create
from webhooks.models import EventKind
from webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5


class ExportRefused(ApplicationError):
    """The export cannot be started as asked; the message says why."""


def export_create(
    *,
    kind: str,
    fmt: str,
    scope: FigureScope,
    user: AbstractBaseUser | None = None,
    enqueue: bool = True,
    csv_bom: bool = True,
) -> Export:
    """Record an export and queue it for a worker (after the transaction commits)."""
    if kind not in Export.Kind.values:
        raise ExportRefused(_("Unknown export kind %(kind)r.") % {"kind": kind})
    if fmt not in Export.Format.values:
        raise ExportRefused(_("Unknown format %(format)r.") % {"format": fmt})
    if fmt == Export.Format.PARQUET and not parquet_available():
        raise ExportRefused(_('Parquet needs the parquet extra (pip install "valuelens[parquet]").'))
    export = Export.objects.create(
        kind=kind, format=fmt, scope=scope.as_dict(), created_by=user, csv_bom=csv_bom
    )
    if enqueue:
        task_enqueue("evaluation.tasks.export_run_task", export.pk)
    return export


@dataclass
class _Progress:
    export_id: int
    claim: str = ""
    done: int = 0
    last: float = field(default_factory=time.monotonic)

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            Export.objects.filter(pk=self.export_id, claim=self.claim).update(rows_done=self.done)


def _write(
    directory: Path,
    name: str,
    fmt: str,
    columns: list[Column],
    data: Iterable[dict[str, Any]],
    *,
    bom: bool = False,
) -> tuple[str, int]:
    filename = f"{name}.{fmt}"
    writer = writer_open(fmt=fmt, path=directory / filename, columns=columns, bom=bom)
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


def _scored_files(export: Export, scope: FigureScope, directory: Path, progress: _Progress) -> dict[str, Any]:
    fmt = export.format
    counts: dict[str, int] = {}
    name, n = _write(
        directory,
        "judgements",
        fmt,
        rows.JUDGEMENT_COLUMNS,
        _counted(rows.judgement_rows(scope=scope), progress, lambda _: 1),
        bom=export.csv_bom,
    )
    counts[name] = n
    name, n = _write(
        directory,
        "items",
        fmt,
        rows.ITEM_COLUMNS,
        _counted(rows.item_rows(scope=scope), progress, lambda r: r["judges"]),
        bom=export.csv_bom,
    )
    counts[name] = n
    results = results_figures(scope)
    name, n = _write(
        directory, "models", fmt, rows.MODEL_COLUMNS, rows.model_rows(figures=results), bom=export.csv_bom
    )
    counts[name] = n
    columns = {
        f"judgements.{fmt}": rows.JUDGEMENT_COLUMNS,
        f"items.{fmt}": rows.ITEM_COLUMNS,
        f"models.{fmt}": rows.MODEL_COLUMNS,
    }
    if pairwise_campaign_ids(scope):
        # A vote has fields no verdict or score has (two answers, the side, A/B terms): its own file,
        # with its own columns, rather than a dozen columns empty on every other judgement's row.
        name, n = _write(
            directory,
            "pairwise_votes",
            fmt,
            rows.PAIRWISE_VOTE_COLUMNS,
            _counted(rows.pairwise_vote_rows(scope=scope), progress, lambda _: 1),
            bom=export.csv_bom,
        )
        counts[name] = n
        columns[name] = rows.PAIRWISE_VOTE_COLUMNS
    return {
        "files": counts,
        "results": results,
        "agreement": agreement_figures(scope),
        "judges": rows.judge_card_rows(scope=scope),
        "model_judges": judge_figures(scope),
        "columns": columns,
    }


def _training_files(
    export: Export, scope: FigureScope, directory: Path, progress: _Progress
) -> dict[str, Any]:
    fmt = export.format
    counts: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    # Every preference pair is a DPO row too, written as it goes by rather than in a pass of its own.
    dpo = writer_open(fmt="jsonl", path=directory / "dpo.jsonl", columns=rows.DPO_COLUMNS)
    dpo_rows = 0

    def tallied(pairs: Iterator[rows.PreferencePair]) -> Iterator[dict[str, str]]:
        nonlocal dpo_rows
        for p in pairs:
            key = f"{p.source}: {p.pos_type} > {p.neg_type}"
            by_kind[key] = by_kind.get(key, 0) + 1
            progress.add(1)
            dpo.write(rows.dpo_row(p))
            dpo_rows += 1
            yield p.row()

    pairwise = bool(pairwise_campaign_ids(scope))
    decided: dict[str, int] = {}

    def voted() -> Iterator[dict[str, Any]]:
        nonlocal dpo_rows
        for decision in rows.pair_decisions(scope=scope):
            pair = decision.pair()
            outcome = f"{decision.decided_by}: {'a pair' if pair else 'no pair'}"
            decided[outcome] = decided.get(outcome, 0) + 1
            if pair is None:
                continue
            progress.add(1)
            dpo.write(rows.dpo_row(pair))
            dpo_rows += 1
            yield decision.row()

    try:
        name, n = _write(
            directory,
            "preference_pairs",
            fmt,
            rows.PAIR_COLUMNS,
            tallied(rows.preference_pairs(scope=scope)),
            bom=export.csv_bom,
        )
        counts[name] = n
        if pairwise:
            name, n = _write(
                directory, "pairwise_pairs", fmt, rows.PAIRWISE_PAIR_COLUMNS, voted(), bom=export.csv_bom
            )
            counts[name] = n
    finally:
        dpo.close()
    counts["dpo.jsonl"] = dpo_rows
    by_source: dict[str, int] = {}
    by_domain: dict[str, int] = {}

    def supervised() -> Iterator[dict[str, Any]]:
        for row in rows.supervised_rows(scope=scope):
            by_source[row["source"]] = by_source.get(row["source"], 0) + 1
            by_domain[row["domain"]] = by_domain.get(row["domain"], 0) + 1
            yield row

    name, n = _write(directory, "supervised", fmt, rows.SUPERVISED_COLUMNS, supervised(), bom=export.csv_bom)
    counts[name] = n
    # The cvalues_mc format is JSONL by definition (nested meta_info), whatever the chosen format.
    name, n = _write(
        directory,
        "multichoice",
        "jsonl",
        rows.MULTICHOICE_COLUMNS,
        rows.multichoice_rows(
            pairs=itertools.chain(
                rows.preference_pairs(scope=scope),
                (d.pair() for d in rows.pairwise_preference_pairs(scope=scope)),
            )
        ),
    )
    counts[name] = n
    columns = {
        f"preference_pairs.{fmt}": rows.PAIR_COLUMNS,
        f"supervised.{fmt}": rows.SUPERVISED_COLUMNS,
        "multichoice.jsonl": rows.MULTICHOICE_COLUMNS,
        "dpo.jsonl": rows.DPO_COLUMNS,
    }
    if pairwise:
        columns[f"pairwise_pairs.{fmt}"] = rows.PAIRWISE_PAIR_COLUMNS
    return {
        "files": counts,
        "results": results_figures(scope),
        "pairs_by_kind": dict(sorted(by_kind.items())),
        "pairwise_decisions": dict(sorted(decided.items())) if pairwise else None,
        "supervised_by_source": by_source,
        "supervised_by_domain": by_domain,
        "columns": columns,
    }


@dataclass(frozen=True)
class ExportBuilder:
    """How an export kind writes its files: ``files`` writes the data files into the work directory
    and returns the summary the dataset card reads (``files``: rows per data file; ``attachments``:
    more files to pack, without rows); ``finish`` sees the card written and may add files (a
    manifest), returning every name to pack."""

    files: Callable[[Export, FigureScope, Path, _Progress], dict[str, Any]]
    finish: Callable[[Path, list[str]], list[str]] | None = None


EXPORT_BUILDERS: dict[str, ExportBuilder] = {
    Export.Kind.SCORED: ExportBuilder(files=_scored_files),
    Export.Kind.TRAINING: ExportBuilder(files=_training_files),
}


def export_kind_register(*, kind: str, builder: ExportBuilder) -> None:
    """Let a later subject (the paper bundle) build its own kind of export on the same worker, claim,
    storage, pages and API as every export."""
    EXPORT_BUILDERS[kind] = builder


def _pseudonyms_ensure(scope: FigureScope) -> None:
    """Every judge gets a pseudonym before rows are written, so no row falls back to a name."""
    missing = User.objects.filter(pk__in=scope.judgements().values("user_id"), annotator_profile__isnull=True)
    for user in missing:
        annotator_profile_get_or_create(user=user)


def _export_claim(export_id: int) -> tuple[Export | None, str | None]:
    """Take an export for a new delivery; (export, None) when it is finished or a live one holds it."""
    token = job_claim(
        Export.objects.filter(status__in=[Export.Status.PENDING, Export.Status.RUNNING]),
        pk=export_id,
        stale_after_s=settings.EXPORT_CLAIM_STALE_S,
        status=Export.Status.RUNNING,
        started_at=timezone.now(),
        rows_done=0,
    )
    return Export.objects.filter(pk=export_id).first(), token


def export_run(*, export_id: int) -> Export | None:
    """Write an export's files and dataset card into one zip under MEDIA_ROOT/exports/.

    Safe to run twice: a finished export is left alone; a copy of the task delivered while another
    delivery is alive (its heartbeat fresh) does nothing; one whose holder went silent (its worker
    died) starts again from scratch. Each delivery writes in a directory of its own, and only the
    one still holding the claim at the end publishes its zip.
    """
    export, claim = _export_claim(export_id)
    if claim is None:
        return export
    assert export is not None
    scope = FigureScope.from_dict(export.scope)
    _pseudonyms_ensure(scope)
    counts = rows.scope_counts(scope=scope)
    # A scored export (and a paper bundle, built on one) reads each judgement twice (judgements,
    # items), a vote once (pairwise_votes).
    votes = counts.get("pairwise_votes", 0)
    passes = 1 if export.kind == Export.Kind.TRAINING else 2
    Export.objects.filter(pk=export.pk, claim=claim).update(
        rows_total=(counts["judgements"] - votes) * passes + votes
    )
    export.refresh_from_db()
    exports_dir = Path(settings.MEDIA_ROOT) / "exports"
    work = exports_dir / f"tmp-{export.pk}-{claim.replace(':', '-')}"
    for left_behind in exports_dir.glob(f"tmp-{export.pk}-*"):
        # A silent holder's directory: its worker died (a live one would still hold the claim).
        shutil.rmtree(left_behind, ignore_errors=True)
    work.mkdir(parents=True)
    progress = _Progress(export.pk, claim)
    archive_name = f"valuelens-{export.kind}-{export.pk}-{export.format}.zip"
    partial = work / f"{archive_name}.part"
    try:
        with job_heartbeating(
            Export.objects.filter(pk=export.pk),
            token=claim,
            every_s=settings.EXPORT_HEARTBEAT_S,
            name=f"export-{export.pk}-heartbeat",
        ):
            builder = EXPORT_BUILDERS[export.kind]
            summary = builder.files(export, scope, work, progress)
            card = dataset_card(
                export=export, scope=scope, counts=rows.scope_counts(scope=scope), summary=summary
            )
            (work / "README.md").write_text(card, encoding="utf-8")
            names = ["README.md", *summary["files"], *summary.get("attachments", [])]
            if builder.finish is not None:
                names = builder.finish(work, names)
            _zip(work, partial, names)
    except Exception as failure:
        logger.exception("export %s failed", export.pk)
        job_release(
            Export.objects.filter(pk=export.pk),
            token=claim,
            status=Export.Status.FAILED,
            error=f"{type(failure).__name__}: {failure}"[:2000],
            finished_at=timezone.now(),
        )
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(failure, ExportFormatUnavailable):
            return Export.objects.get(pk=export.pk)
        raise
    with transaction.atomic():
        export = Export.objects.select_for_update().get(pk=export.pk)
        if export.claim == claim:
            archive = exports_dir / archive_name
            partial.replace(archive)
            export.file.name = f"exports/{archive_name}"
            export.size_bytes = archive.stat().st_size
            export.counts = summary["files"]
            export.rows_done = export.rows_total
            export.status = Export.Status.READY
            export.finished_at = timezone.now()
            export.error = ""
            export.heartbeat_at = None
            webhook_event_emit(
                event=EventKind.EXPORT_READY,
                payload={"export_id": export.pk, "kind": export.kind, "format": export.format},
                links={
                    "export": reverse("evaluation:export", kwargs={"export_id": export.pk}),
                    "download": reverse("evaluation:export_download", kwargs={"export_id": export.pk}),
                },
            )
            export.save(
                update_fields=[
                    "file",
                    "size_bytes",
                    "counts",
                    "rows_done",
                    "status",
                    "finished_at",
                    "error",
                    "heartbeat_at",
                ]
            )
    # Taken over while this delivery worked: the holder publishes, this copy leaves no trace.
    shutil.rmtree(work, ignore_errors=True)
    return export


def _zip(directory: Path, partial: Path, names: list[str]) -> None:
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name in names:
            # Parquet is compressed already: deflating it again costs time for nothing.
            method = zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            zf.write(directory / name, arcname=name, compress_type=method)


# ---------------------------------------------------------------- the round trip
