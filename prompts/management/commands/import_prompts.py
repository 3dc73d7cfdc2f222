from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prompts.models import ImportFormat
from prompts.services import PromptImportFailed, prompt_set_get_or_create, prompt_set_import


class Command(BaseCommand):
    help = "Import a prompt file into a prompt set (all or nothing; re-importing creates no duplicates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", required=True, choices=ImportFormat.values, dest="fmt")
        parser.add_argument("--set", required=True, dest="set_name", help="Prompt set name (created if new).")
        parser.add_argument("--description", default="")
        parser.add_argument("--source", default="", help="Provenance shown with the set.")
        parser.add_argument("--license", default="")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="KEY=COLUMN",
            help="Generic formats: text=, id=, level=, domain=, scenario=, reference_answer=, default_level=",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        mapping: dict[str, str] = {}
        for item in options["map"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--map {item!r}: expected KEY=COLUMN")
            mapping[key.strip()] = value
        try:
            # One transaction: a failed import into a new set leaves no empty set behind.
            with transaction.atomic(), path.open("rb") as stream:
                prompt_set = prompt_set_get_or_create(
                    name=options["set_name"],
                    description=options["description"],
                    source=options["source"],
                    license=options["license"],
                )
                result = prompt_set_import(
                    prompt_set=prompt_set,
                    fmt=options["fmt"],
                    stream=stream,
                    filename=path.name,
                    mapping=mapping,
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except PromptImportFailed as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            if exc.truncated:
                self.stderr.write("… more problems not shown")
            raise CommandError(f"{path.name}: nothing imported ({len(exc.problems)} problem(s)).") from exc
        self.stdout.write(
            f"{path.name} → {prompt_set.name}: {result.created} created, {result.existing} already there"
            + (f", {result.repeated_in_file} repeated lines skipped" if result.repeated_in_file else "")
        )
