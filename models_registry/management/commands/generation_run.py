from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from models_registry.models import GenerationRun, RegisteredModel
from models_registry.selectors import run_progress
from models_registry.services import generation_run_start
from prompts.models import Domain, PromptSet, Scenario


class Command(BaseCommand):
    help = "Start a generation run (models × a prompt set) and follow its progress; a Celery worker does the work."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--set", required=True, dest="set_name", help="Prompt set name")
        parser.add_argument(
            "--model", required=True, action="append", dest="model_names", help="Repeat for several"
        )
        parser.add_argument("--name", help="Run name (default: set × models)")
        parser.add_argument("--level", choices=["safety", "responsibility"], default="")
        parser.add_argument("--domain", help="Domain slug")
        parser.add_argument("--scenario", help="Risk scenario slug")
        parser.add_argument("--samples", type=int, help="Samples per prompt (default: each model's own)")
        parser.add_argument("--no-wait", action="store_true", help="Start the run and return at once")
        parser.add_argument("--timeout", type=float, default=0, help="Stop following after this many seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            prompt_set = PromptSet.objects.get(name=options["set_name"])
            domain = Domain.objects.get(slug=options["domain"]) if options["domain"] else None
            scenario = Scenario.objects.get(slug=options["scenario"]) if options["scenario"] else None
        except (PromptSet.DoesNotExist, Domain.DoesNotExist, Scenario.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        models = list(RegisteredModel.objects.filter(name__in=options["model_names"]))
        missing = set(options["model_names"]) - {m.name for m in models}
        if missing:
            raise CommandError(f"no model named {', '.join(sorted(missing))}")
        name = options["name"] or f"{prompt_set.name} × {', '.join(m.name for m in models)}"
        try:
            run = generation_run_start(
                name=name,
                prompt_set=prompt_set,
                models=models,
                level=options["level"],
                domain=domain,
                scenario=scenario,
                samples_per_prompt=options["samples"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"run {run.pk} started: {name}")
        if options["no_wait"]:
            return
        self._follow(run, timeout=options["timeout"])

    def _follow(self, run: GenerationRun, *, timeout: float) -> None:
        started = time.monotonic()
        while True:
            run.refresh_from_db()
            progress = run_progress(run)
            width = 30
            filled = int(width * progress.percent / 100)
            eta = f" ETA {progress.eta_s:.0f} s" if progress.eta_s is not None else ""
            line = (
                f"\r[{'#' * filled}{'.' * (width - filled)}] {progress.done}/{progress.total} "
                f"ok {progress.by_status['succeeded']} failed {progress.by_status['failed']}"
                f" {progress.per_second:.1f}/s{eta}   "
            )
            self.stdout.write(line, ending="")
            sys.stdout.flush()
            if run.status != GenerationRun.Status.RUNNING:
                break
            if timeout and time.monotonic() - started > timeout:
                self.stdout.write("")
                raise CommandError(f"still running after {timeout:g} s (is a Celery worker running?)")
            time.sleep(1)
        self.stdout.write("")
        self.stdout.write(f"run {run.pk} {run.status}")
        for error in progress.errors:
            self.stdout.write(f"  {error['n']} × {error['error_kind']}: {str(error['example'])[:150]}")
