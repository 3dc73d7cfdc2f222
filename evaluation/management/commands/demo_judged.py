from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from common.demo_commands import DemoCommand
from evaluation.demo.services import DemoJudgedRejected, demo_judged_seed


class Command(DemoCommand):
    help = (
        "Add two demo campaigns that arrive judged: a safety campaign with a human sample and a model "
        "judge's run (prediction-powered scores on its results page) and a pairwise campaign with "
        "people's votes (the rankings page). Run demo_seed first; running it again adds nothing."
    )
    writes = "adds invented judgements"

    def handle(self, *args: Any, **options: Any) -> None:
        self.production_refused(options)
        try:
            seeded = demo_judged_seed()
        except DemoJudgedRejected as error:
            raise CommandError(str(error)) from error
        for campaign in (seeded.sampled, seeded.pairwise):
            made = "made" if campaign.name in seeded.created else "exists already"
            self.stdout.write(f"{campaign.name!r} (#{campaign.pk}): {made}.")
