from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or update a person at the test provider, with exactly the given groups."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("password")
        parser.add_argument("--email", default="")
        parser.add_argument("--groups", default="", help="comma-separated group names")

    def handle(
        self, *args: Any, username: str, password: str, email: str, groups: str, **options: Any
    ) -> None:
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.email = email
        user.first_name, user.last_name = username.capitalize(), "Tester"
        user.save()
        names = [name for name in groups.split(",") if name]
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in names])
