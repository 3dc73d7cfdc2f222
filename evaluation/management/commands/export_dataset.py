"""Export a scored dataset or training data to a zip (the same job the Exports page queues)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export


class Command(BaseCommand):
    help = "Export judgements and derived scores (or training data) with a dataset card, in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=Export.Kind.values, default=Export.Kind.SCORED)
        parser.add_argument("--format", choices=Export.Format.values, default=Export.Format.JSONL)
        parser.add_argument(
            "--no-bom", action="store_true", help="CSV without the UTF-8 byte-order mark Excel needs."
        )
        parser.add_argument("--campaign", type=int, action="append", default=[], help="Repeat; none: all.")
        parser.add_argument("--output", type=Path, help="Copy the zip here as well.")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = FigureScope(campaign_ids=tuple(options["campaign"]))
        try:
            export = export_services.export_create(
                kind=options["kind"],
                fmt=options["format"],
                scope=scope,
                enqueue=False,
                csv_bom=not options["no_bom"],
            )
        except export_services.ExportRefused as exc:
            raise CommandError(str(exc)) from exc
        export = export_services.export_run(export_id=export.pk)
        if export is None or export.status != Export.Status.READY:
            raise CommandError(f"export failed: {export.error if export else 'gone'}")
        path = Path(export.file.path)
        if options["output"]:
            shutil.copyfile(path, options["output"])
            path = options["output"]
        for name, rows in export.counts.items():
            self.stdout.write(f"{name}: {rows:,} rows")
        self.stdout.write(self.style.SUCCESS(f"wrote {path}"))
