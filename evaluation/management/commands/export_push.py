"""Upload a finished export (its files and dataset card) to a dataset repository on the Hugging
Face Hub. Needs network access to the Hub, and a token with write access in an environment variable."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation.exports.hub import ExportPushRefused, export_push
from evaluation.models import Export


class Command(BaseCommand):
    help = "Push a finished export to a Hugging Face dataset repository (needs network and a token)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--export", type=int, required=True, help="Id of a finished export.")
        parser.add_argument("--repo", required=True, help="Dataset repository, owner/name.")
        parser.add_argument(
            "--token-env",
            default="HF_TOKEN",
            help="Environment variable holding a token with write access (default HF_TOKEN).",
        )
        parser.add_argument("--private", action="store_true", help="Create the repository private.")
        parser.add_argument(
            "--endpoint", default=None, help="Hub URL (default HF_ENDPOINT, else https://huggingface.co)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        export = Export.objects.filter(pk=options["export"]).first()
        if export is None:
            raise CommandError(f"no export {options['export']}")
        token = os.environ.get(options["token_env"], "")
        if not token:
            raise CommandError(
                f"no token: set {options['token_env']} to a Hugging Face token with write access"
            )
        try:
            result = export_push(
                export=export,
                repo_id=options["repo"],
                token=token,
                private=options["private"],
                endpoint=options["endpoint"] or settings.HF_ENDPOINT,
            )
        except ExportPushRefused as exc:
            raise CommandError(exc.message) from exc
        for name in result.files:
            self.stdout.write(f"uploaded {name}")
        self.stdout.write(self.style.SUCCESS(f"pushed to {result.repo_url} ({result.commit_url})"))
