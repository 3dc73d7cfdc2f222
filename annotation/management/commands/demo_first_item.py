from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from annotation.models import Campaign, Item


class Command(BaseCommand):
    help = (
        "Wait until an open campaign has an item to judge, then print its judging page's address "
        "(the quickstart says so on its console)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--wait", type=float, default=900.0, help="Seconds to wait at most.")
        parser.add_argument("--poll", type=float, default=2.0)

    def handle(self, *args: Any, **options: Any) -> None:
        deadline = time.monotonic() + options["wait"]
        while True:
            item = (
                Item.objects.filter(campaign__status=Campaign.Status.OPEN, has_free_slot=True, sampled=True)
                .select_related("campaign")
                # Safety first: any crowdworker can judge it; a responsibility item needs an expert of its domain.
                .order_by("-campaign__kind", "campaign_id", "position")
                .first()
            )
            if item is not None:
                break
            if time.monotonic() > deadline:
                self.stdout.write(
                    "quickstart: no item to judge yet; the campaigns page shows their progress."
                )
                return
            time.sleep(options["poll"])
        judge = "crowd" if item.campaign.kind == Campaign.Kind.SAFETY else "expert"
        url = options["base_url"].rstrip("/") + reverse("annotation:workspace", args=[item.campaign_id])
        self.stdout.write(
            f"quickstart: the first item is ready to judge: {url}  (log in as {judge})", ending="\n"
        )
        self.stdout.flush()
