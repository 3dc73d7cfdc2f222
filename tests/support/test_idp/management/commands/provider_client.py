from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from oidc_provider.models import Client, ResponseType


class Command(BaseCommand):
    help = "Register (or update) a confidential client for the authorization code flow."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("client_id")
        parser.add_argument("secret")
        parser.add_argument("redirect_uris", nargs="+")
        parser.add_argument("--consent", action="store_true", help="ask the person's consent")

    def handle(
        self, *args: Any, client_id: str, secret: str, redirect_uris: list[str], consent: bool, **options: Any
    ) -> None:
        client, _ = Client.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": "ValueLens",
                "client_type": "confidential",
                "client_secret": secret,
                "jwt_alg": "RS256",
                "require_consent": consent,
                "reuse_consent": False,
            },
        )
        client.redirect_uris = redirect_uris
        client.save()
        client.response_types.set(ResponseType.objects.filter(value="code"))
