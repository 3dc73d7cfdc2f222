"""Writes for benchmark content: imports and prompt sets."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.errors import ApplicationError
from common.queue import task_enqueue
from prompts.importing.formats import FORMATS, GENERIC_MAPPING_KEYS, FieldError, ParseContext
from prompts.importing.readers import (
    ImportProblem,
    Record,
    csv_records,
    json_array_or_jsonl_records,
    jsonl_records,
)
from prompts.models import ImportFormat, ImportJob, PendingUpload, PromptSet

logger = logging.getLogger(__name__)

MAX_PROBLEMS = 100


_TRUNCATED = gettext_noop("more problems not shown")
_CRASHED = gettext_noop("internal error: %(error)s")


class ImportRejected(ApplicationError, ValueError):
    """An import asked for in a way that cannot work (its format, its column mapping, its set); the
    message says why. Also a ValueError: what scripts caught before."""


class PromptImportFailed(Exception):
    """The file had problems; nothing was written."""

    def __init__(self, problems: list[ImportProblem], *, truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        more = " (and more)" if truncated else ""
        super().__init__(f"{len(problems)} problem(s){more}; first: {problems[0]}")


@dataclass
class ImportResult:
    lines_read: int = 0
    created: int = 0
    existing: int = 0
    repeated_in_file: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


def prompt_set_get_or_create(
    *,
    name: str,
    description: str = "",
    source: str = "",
    license: str = "",
    user: AbstractBaseUser | None = None,
) -> PromptSet:
    prompt_set, _created = PromptSet.objects.get_or_create(
        name=name,
        defaults={
            "description": description,
            "source": source,
            "license": license,
            "created_by": user,
        },
    )
    return prompt_set


def import_mapping_validate(*, fmt: str, mapping: dict[str, str] | None) -> dict[str, str]:
    """Check a generic format's column mapping; other formats take none."""
    if fmt not in FORMATS:
        raise ImportRejected(
            _("Unknown format %(format)r; choose one of %(formats)s.")
            % {"format": fmt, "formats": ", ".join(FORMATS)},
            field="format",
        )
    if fmt not in (ImportFormat.GENERIC_CSV, ImportFormat.GENERIC_JSONL):
        if mapping:
            raise ImportRejected(
                _("Format %(format)s has a fixed schema and takes no column mapping.") % {"format": fmt},
                field="mapping",
            )
        return {}
    mapping = {k: v.strip() for k, v in (mapping or {}).items() if v and v.strip()}
    unknown = sorted(set(mapping) - {*GENERIC_MAPPING_KEYS, "default_level"})
    if unknown:
        raise ImportRejected(_("Unknown mapping key %(key)r.") % {"key": unknown[0]}, field="mapping")
    if not mapping.get("text"):
        raise ImportRejected(
            _("The mapping must name the column that holds the prompt text (text=...)."), field="mapping"
        )
    return mapping


_READERS = {"csv": csv_records, "jsonl": jsonl_records, "json_or_jsonl": json_array_or_jsonl_records}


def _records(fmt: str, stream: BinaryIO, filename: str) -> Iterator[Record]:
    reader = _READERS[FORMATS[fmt].reader]
    return reader(stream, filename=filename, max_line_bytes=settings.IMPORT_MAX_LINE_BYTES)


def prompt_set_import(
    *,
    prompt_set: PromptSet,
    fmt: str,
    stream: BinaryIO,
    filename: str,
    mapping: dict[str, str] | None = None,
) -> ImportResult:
    """Import one file into a prompt set, all or nothing.

    The file is streamed and rows are written in batches inside one transaction. Rows whose id
    the set already holds are left as they are, so re-importing a file creates no duplicates.
    Any problem (bad JSON or UTF-8, a missing, unknown or invalid field, a duplicate id, an
    over-long line, an empty file) rolls everything back and raises PromptImportFailed with up
    to MAX_PROBLEMS problems, each naming file, line and field.
    """
    mapping = import_mapping_validate(fmt=fmt, mapping=mapping)
    spec = FORMATS[fmt]
    model: type[models.Model] = spec.model
    ctx = ParseContext(prompt_set=prompt_set, fmt=fmt, mapping=mapping)
    result = ImportResult()
    seen: dict[str, int] = {}
    batch: list[models.Model] = []
    batch_size = settings.IMPORT_BATCH_SIZE
    truncated = False
    records = 0

    def problem(p: ImportProblem) -> None:
        nonlocal truncated
        if len(result.problems) < MAX_PROBLEMS:
            result.problems.append(p)
        else:
            truncated = True

    def flush() -> None:
        if batch and not result.problems:
            model._default_manager.bulk_create(batch, ignore_conflicts=True)
        batch.clear()

    with transaction.atomic():
        before = model._default_manager.filter(prompt_set=prompt_set).count()
        for record in _records(fmt, stream, filename):
            result.lines_read = max(result.lines_read, record.line)
            if record.problem is not None:
                problem(record.problem)
                continue
            records += 1
            assert record.fields is not None
            try:
                external_id, row = spec.parse(record.fields, ctx)
            except FieldError as exc:
                problem(ImportProblem(filename, record.line, exc.field, exc.message, exc.params))
                continue
            first_line = seen.setdefault(external_id, record.line)
            if first_line != record.line:
                if spec.ids_from_content:
                    result.repeated_in_file += 1
                else:
                    id_field = _id_field(fmt, mapping)
                    problem(
                        ImportProblem(
                            filename,
                            record.line,
                            id_field,
                            gettext_noop("duplicate id %(id)s (first on line %(line)s)"),
                            {"id": repr(external_id), "line": first_line},
                        )
                    )
                continue
            if result.problems:
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        if records == 0 and not result.problems:
            problem(ImportProblem(filename, 0, "", gettext_noop("the file holds no records")))
        flush()
        if result.problems:
            transaction.set_rollback(True)
        else:
            after = model._default_manager.filter(prompt_set=prompt_set).count()
            result.created = after - before
            result.existing = records - result.repeated_in_file - result.created
    if result.problems:
        raise PromptImportFailed(result.problems, truncated=truncated)
    logger.info(
        "imported %s into prompt set %s: %d created, %d already there",
        filename,
        prompt_set.pk,
        result.created,
        result.existing,
    )
    return result


def _id_field(fmt: str, mapping: dict[str, str]) -> str:
    if fmt == ImportFormat.CVALUES_RESPONSIBILITY:
        return "id_"
    if fmt in (ImportFormat.GENERIC_CSV, ImportFormat.GENERIC_JSONL):
        return mapping.get("id") or mapping["text"]
    return "id"


def import_file_precheck(
    *, fmt: str, mapping: dict[str, str], stream: BinaryIO, filename: str, prompt_set: PromptSet | None = None
) -> None:
    """Read the first record of a file while the person who sent it waits on the form.

    A mapping naming a column the file lacks, a first line that is not JSON, or a record that does
    not fit the chosen format is reported at once (PromptImportFailed), not after a worker ran.
    The stream is rewound.
    """
    spec = FORMATS[fmt]
    ctx = ParseContext(prompt_set=prompt_set or PromptSet(name="precheck"), fmt=fmt, mapping=mapping)
    problems: list[ImportProblem] = []
    record = next(iter(_records(fmt, stream, filename)), None)
    if record is None:
        problems.append(ImportProblem(filename, 0, "", gettext_noop("the file holds no records")))
    elif record.problem is not None:
        problems.append(record.problem)
    else:
        assert record.fields is not None
        columns = [str(c) for c in record.fields]
        for key, column in mapping.items():
            if key != "default_level" and column not in record.fields:
                shown = ", ".join(columns[:20]) + (", …" if len(columns) > 20 else "")
                problems.append(
                    ImportProblem(
                        filename,
                        record.line,
                        column,
                        gettext_noop(
                            "the mapping's %(key)s column %(column)s is not in the file (its columns: %(shown)s)"
                        ),
                        {"key": key, "column": repr(column), "shown": shown},
                    )
                )
        if not problems:
            try:
                spec.parse(record.fields, ctx)
            except FieldError as exc:
                problems.append(ImportProblem(filename, record.line, exc.field, exc.message, exc.params))
    stream.seek(0)
    if problems:
        raise PromptImportFailed(problems)


def import_job_create(
    *,
    prompt_set: PromptSet | None,
    fmt: str,
    upload: UploadedFile,
    mapping: dict[str, str] | None,
    user: AbstractBaseUser | None,
    new_set_name: str = "",
) -> ImportJob:
    """Check the file's start, store it and queue its import on a worker.

    Without prompt_set, the import goes into the set named new_set_name: an existing one, or one
    the worker creates only if the import succeeds.
    """
    mapping = import_mapping_validate(fmt=fmt, mapping=mapping)
    new_set_name = new_set_name.strip()
    if prompt_set is None:
        if not new_set_name:
            raise ImportRejected(_("Choose a prompt set or name a new one."), field="new_set_name")
        prompt_set = PromptSet.objects.filter(name=new_set_name).first()
    import_file_precheck(
        fmt=fmt, mapping=mapping, stream=upload, filename=upload.name or "upload", prompt_set=prompt_set
    )
    job = ImportJob.objects.create(
        prompt_set=prompt_set,
        new_set_name="" if prompt_set else new_set_name,
        format=fmt,
        mapping=mapping,
        file=upload,
        original_name=(upload.name or "upload")[:255],
        created_by=user,
    )
    task_enqueue("prompts.tasks.import_job_run_task", job.pk)
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import; safe to call twice (a redelivered task finds it finished)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        # A new set is created in the import's transaction: it exists only if the import succeeds.
        with transaction.atomic(), job.file.open("rb") as stream:
            prompt_set = job.prompt_set or prompt_set_get_or_create(
                name=job.new_set_name, user=job.created_by
            )
            result = prompt_set_import(
                prompt_set=prompt_set,
                fmt=job.format,
                stream=stream,
                filename=job.original_name,
                mapping=job.mapping,
            )
        job.prompt_set = prompt_set
    except PromptImportFailed as exc:
        job.status = ImportJob.Status.FAILED
        job.errors = [p.as_dict() for p in exc.problems]
        if exc.truncated:
            job.errors.append(
                {
                    "file": job.original_name,
                    "line": 0,
                    "field": "",
                    "message": _TRUNCATED,
                    "message_id": _TRUNCATED,
                }
            )
    except Exception as exc:
        logger.exception("import job %s crashed", job_id)
        job.status = ImportJob.Status.FAILED
        job.errors = [ImportProblem(job.original_name, 0, "", _CRASHED, {"error": str(exc)}).as_dict()]
    else:
        job.status = ImportJob.Status.SUCCEEDED
        job.lines_read = result.lines_read
        job.created_count = result.created
        job.existing_count = result.existing
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "prompt_set",
            "status",
            "errors",
            "lines_read",
            "created_count",
            "existing_count",
            "finished_at",
        ]
    )
    return job


def reference_data_seed() -> None:
    """Create the CValues domains and risk scenarios when their tables are empty.

    The data migration seeds them once; this runs after every migrate and flush too (tests that
    truncate tables), and never brings back a row an admin deleted from a non-empty table.
    """
    from prompts.models import Domain, Scenario
    from prompts.seed import CVALUES_DOMAINS, CVALUES_SCENARIOS, UNVERIFIED

    if not Domain.objects.exists():
        Domain.objects.bulk_create(
            Domain(slug=slug, name_en=en, name_zh=zh) for slug, en, zh in CVALUES_DOMAINS
        )
    if not Scenario.objects.exists():
        Scenario.objects.bulk_create(
            Scenario(slug=slug, name_en=en, name_zh=zh, description=UNVERIFIED)
            for slug, en, zh in CVALUES_SCENARIOS
        )


# ---------------------------------------------------------------- files kept for a retry

PENDING_UPLOAD_LIFETIME = timedelta(days=1)


def pending_upload_keep(*, upload: UploadedFile, user: AbstractBaseUser) -> PendingUpload:
    """Keep a file whose import form came back with an error, so that the retry need not send it
    again. Kept files of anybody's older than a day go first."""
    pending_uploads_expire()
    return PendingUpload.objects.create(
        file=upload, original_name=(upload.name or "upload")[:255], created_by=user
    )


def pending_upload_get(*, upload_id: uuid.UUID | str | None, user: AbstractBaseUser) -> PendingUpload | None:
    """The person's own kept file by its id; None when it is not theirs, expired, or unknown."""
    if not upload_id:
        return None
    return PendingUpload.objects.filter(
        pk=upload_id, created_by_id=user.pk, created_at__gte=timezone.now() - PENDING_UPLOAD_LIFETIME
    ).first()


def pending_upload_discard(*, pending: PendingUpload) -> None:
    pending.file.delete(save=False)
    pending.delete()


def pending_uploads_expire() -> int:
    old = list(PendingUpload.objects.filter(created_at__lt=timezone.now() - PENDING_UPLOAD_LIFETIME))
    for pending in old:
        pending_upload_discard(pending=pending)
    return len(old)
