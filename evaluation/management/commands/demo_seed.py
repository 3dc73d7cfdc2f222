from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from common.demo_commands import DemoCommand
from common.roles import Role
from people.services import user_create
from prompts.models import Domain
from prompts.services import prompt_set_get_or_create, prompt_set_import

DATA = Path(settings.BASE_DIR) / "data"

DEMO_USERS: list[tuple[str, Role, tuple[str, ...]]] = [
    ("admin", Role.ADMIN, ()),
    ("crowd", Role.CROWDWORKER, ()),
    ("crowd2", Role.CROWDWORKER, ()),
    ("expert", Role.EXPERT, ("law", "psychology", "intimate_relationship")),
    ("reviewer", Role.REVIEWER, ()),
]


class Command(DemoCommand):
    help = (
        "Load demo data: the real CValues responsibility prompts, demo safety prompts and one user per role."
    )
    writes = "creates users with a known password"

    def handle(self, *args: Any, **options: Any) -> None:
        self.production_refused(options)
        password = os.environ.get("DEMO_PASSWORD", "valuelens-demo")
        for username, role, domains in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    username=username,
                    password=password,
                    roles=[role],
                    domains=Domain.objects.filter(slug__in=domains),
                )
        self._import(
            DATA / "cvalues" / "cvalues_responsibility_prompts.jsonl",
            fmt="cvalues_responsibility",
            name="CValues responsibility prompts",
            description="The 664 expert-written Level-2 prompts released with CValues (Xu et al. 2023).",
            source="X-PLUG/CValues @ 3018d38, dataset/cvalues_responsibility_prompts.jsonl",
            license="Apache-2.0 (Copyright 2023 Alibaba X-PLUG Team)",
        )
        self._import(
            DATA / "demo" / "safety_prompts.csv",
            fmt="generic_csv",
            name="Demo safety prompts",
            description="20 adversarial Level-1 prompts written for the ValueLens demo.",
            source="ValueLens demo data",
            license="Apache-2.0",
            mapping={"text": "prompt", "id": "id", "scenario": "scenario", "default_level": "safety"},
        )
        self.stdout.write(
            "Demo users (password {!r}): {}".format(
                password, ", ".join(f"{u} ({r.value})" for u, r, _ in DEMO_USERS)
            )
        )

    def _import(
        self, path: Path, *, fmt: str, name: str, mapping: dict[str, str] | None = None, **meta: str
    ) -> None:
        prompt_set = prompt_set_get_or_create(name=name, **meta)
        with path.open("rb") as stream:
            result = prompt_set_import(
                prompt_set=prompt_set, fmt=fmt, stream=stream, filename=path.name, mapping=mapping
            )
        self.stdout.write(f"{name}: {result.created} created, {result.existing} already there")
