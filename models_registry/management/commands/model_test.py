from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from models_registry.models import RegisteredModel
from models_registry.providers import ProviderError
from models_registry.services import model_test_connection


class Command(BaseCommand):
    help = "Send one tiny request to a registered model and say whether a chat completion came back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            model = RegisteredModel.objects.get(name=options["name"])
        except RegisteredModel.DoesNotExist as exc:
            raise CommandError(f"no model named {options['name']!r}") from exc
        try:
            result = model_test_connection(model=model)
        except ProviderError as error:
            raise CommandError(f"{model.name}: {error.kind}: {error.message}") from error
        # Not the answer's text, as on the page: an endpoint could put anything in it.
        self.stdout.write(f"{model.name}: OK, a chat completion in {result.latency_ms} ms")
