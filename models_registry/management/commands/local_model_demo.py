from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from models_registry.local_model import (
    DEMO_SAMPLE_SET,
    LocalModelError,
    local_model_demo_start,
    local_model_register,
    local_model_safety_demo_start,
    server_wait_ready,
)


class Command(BaseCommand):
    help = (
        "Register the local model served by local_model_serve and start a generation run over a sample of "
        "the CValues responsibility prompts. The Celery worker does the work; this command does not wait."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8089/v1")
        parser.add_argument(
            "--sample", type=int, default=12, help="How many prompts, spread over the 8 domains."
        )
        parser.add_argument(
            "--timeout", type=float, default=120, help="Seconds to wait for the model server."
        )

    def handle(self, *args: Any, base_url: str, sample: int, timeout: float, **options: Any) -> None:
        if sample < 1:
            raise CommandError("--sample must be at least 1")
        try:
            server_wait_ready(base_url=base_url, timeout_s=timeout)
            # The safety run is queued first, so it is answered first: any crowdworker can judge
            # those answers, while an expert sees only the CValues prompts of their domains.
            safety_run = local_model_safety_demo_start(model=local_model_register(base_url=base_url))
            demo = local_model_demo_start(base_url=base_url, sample_size=sample)
        except LocalModelError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Registered {demo.model.name} at {demo.model.base_url}.")
        if demo.created:
            self.stdout.write(
                f"Started run {demo.run.pk} {demo.run.name!r} over the {demo.prompts} prompts of "
                f"{DEMO_SAMPLE_SET!r}: {demo.queued} generations for the Celery worker."
            )
        else:
            self.stdout.write(
                f"Run {demo.run.pk} {demo.run.name!r} already covers the {demo.prompts} prompts "
                f"({demo.run.status}); {demo.queued} unfinished generations queued again."
            )
        if safety_run is not None:
            self.stdout.write(
                f"Run {safety_run.pk} {safety_run.name!r} covers the demo safety prompts ({safety_run.status})."
            )
