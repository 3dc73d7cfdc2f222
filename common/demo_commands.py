"""What every demo seeding command shares: it writes data nobody should find on a real site (users
with a known password, invented judgements), so it runs only with DEBUG on unless told otherwise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class DemoCommand(BaseCommand):
    # What the command writes that a production site must not get by accident (a clause).
    writes = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=f"Seed although DEBUG is off: it {self.writes}.",
        )

    def production_refused(self, options: dict[str, Any]) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                f"{self.__module__.rpartition('.')[2]} {self.writes}: it runs only with DEBUG on, "
                "or with --allow-production."
            )
