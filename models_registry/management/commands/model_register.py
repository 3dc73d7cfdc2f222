from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from models_registry.services import model_register


class Command(BaseCommand):
    help = "Register (or update) a model under test by name. The API key is given by the NAME of its env variable."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--model-id", required=True)
        parser.add_argument("--display-name")
        parser.add_argument(
            "--api-key-env",
            help="e.g. VALUELENS_KEY_OPENAI (names start with VALUELENS_KEY_); the key itself is never stored",
        )
        parser.add_argument("--system-prompt")
        parser.add_argument("--temperature", type=float)
        parser.add_argument("--top-p", type=float)
        parser.add_argument("--max-tokens", type=int)
        parser.add_argument("--seed", type=int)
        parser.add_argument("--stop", help='JSON list, e.g. ["\\n\\n"]')
        parser.add_argument("--samples-per-prompt", type=int)
        parser.add_argument("--timeout", type=int, dest="timeout_s")
        parser.add_argument("--max-retries", type=int)
        parser.add_argument("--max-concurrency", type=int)
        parser.add_argument("--price-in-per-1m", type=Decimal)
        parser.add_argument("--price-out-per-1m", type=Decimal)

    def handle(self, *args: Any, **options: Any) -> None:
        fields = {
            key: options[key]
            for key in (
                "display_name",
                "api_key_env",
                "system_prompt",
                "temperature",
                "top_p",
                "max_tokens",
                "seed",
                "samples_per_prompt",
                "timeout_s",
                "max_retries",
                "max_concurrency",
                "price_in_per_1m",
                "price_out_per_1m",
            )
            if options.get(key) is not None
        }
        if options.get("stop") is not None:
            try:
                fields["stop"] = json.loads(options["stop"])
            except json.JSONDecodeError as exc:
                raise CommandError(f"--stop must be a JSON list: {exc}") from exc
        try:
            model = model_register(
                name=options["name"], base_url=options["base_url"], model_id=options["model_id"], **fields
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(
            f"registered {model.name} (id {model.pk}) → {model.base_url} model {model.model_id}"
        )
