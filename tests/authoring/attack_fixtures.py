"""Attack campaigns made straight in the database, and the ASGI server (uvicorn, in a process of
its own, on the test database) that serves the attack workspace's streams to the tests."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client

from authoring.models import AuthoringCampaign, ScenarioBrief
from models_registry.models import RegisteredModel
from prompts.models import Level, PromptSet, Scenario
from tests.support.processes import NOT_INHERITED, free_port

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
# The key the stub asks for and the server reads from VALUELENS_KEY_STUB.
STUB_KEY = "sk-stub-0123456789-secret"
CSRF = "c" * 32


def attack_campaign_make(
    *targets: RegisteredModel, name: str = "attack", scenarios: tuple[str, ...] = ("crimes",), **fields
) -> AuthoringCampaign:
    fields.setdefault("status", AuthoringCampaign.Status.OPEN)
    fields.setdefault("max_turns", 3)
    campaign = AuthoringCampaign.objects.create(
        name=name,
        kind=AuthoringCampaign.Kind.ATTACK,
        level=Level.SAFETY,
        prompt_set=PromptSet.objects.create(name=f"{name} prompts {uuid.uuid4().hex[:6]}"),
        **fields,
    )
    campaign.targets.set(targets)
    for slug in scenarios:
        ScenarioBrief.objects.create(
            campaign=campaign, scenario=Scenario.objects.get(slug=slug), description=f"About {slug}"
        )
    return campaign


@dataclass
class AsgiServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def asgi_server_start(*, database_url: str, log: Path, extra_env: dict[str, str] | None = None) -> AsgiServer:
    """uvicorn serving config.asgi on a free port, as the quickstart and docker-compose run it
    (and the static files, as the live server does),
    without the test process's DJANGO_ALLOW_ASYNC_UNSAFE: a sync database call on its event loop
    fails there as it would in production."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        GENERATION_LIMITER_REDIS_URL=settings.GENERATION_LIMITER_REDIS_URL,
        LOG_LEVEL="WARNING",
        **(extra_env or {}),
    )
    output = log.open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            # config.asgi's application, with the static files (tests/authoring/attack_asgi.py).
            "tests.authoring.attack_asgi:application",
            "--port",
            str(port),
            "--lifespan",
            "off",
        ],
        cwd=REPO,
        env=env,
        stdout=output,
        stderr=output,
    )
    server = AsgiServer(url=f"http://127.0.0.1:{port}", process=process, log=log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"uvicorn did not start:\n{server.log_tail()}")
        time.sleep(0.1)


def database_url_of_tests() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="module")
def asgi_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[AsgiServer]:
    with django_db_blocker.unblock():
        database_url = database_url_of_tests()
    server = asgi_server_start(
        database_url=database_url,
        log=tmp_path_factory.mktemp("uvicorn") / "uvicorn.log",
        extra_env={"VALUELENS_KEY_STUB": STUB_KEY},
    )
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def session_cookies(user: AbstractBaseUser) -> dict[str, str]:
    """A signed-in session (stored in the database, which the server reads) and a CSRF cookie."""
    client = Client()
    client.force_login(user)
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        "csrftoken": CSRF,
    }


@dataclass
class Event:
    at: float
    name: str
    data: dict


@dataclass
class Streamed:
    status: int
    events: list[Event]
    refusal: dict | None = None

    def names(self) -> list[str]:
        return [e.name for e in self.events]

    def text(self) -> str:
        return "".join(e.data["text"] for e in self.events if e.name == "token")

    def first(self, name: str) -> Event:
        return next(e for e in self.events if e.name == name)


def events_read(lines: Iterator[str], started: float, *, stop_after: int | None = None) -> list[Event]:
    events: list[Event] = []
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append(Event(time.monotonic() - started, name, json.loads(line[6:])))
            if stop_after is not None and len(events) >= stop_after:
                break
    return events


def stream_post(
    server: AsgiServer, path: str, user: AbstractBaseUser, *, stop_after: int | None = None, **fields: str
) -> Streamed:
    """POST as the page does, and read the server-sent events as they come (stop_after: go away
    after that many events)."""
    started = time.monotonic()
    with (
        httpx.Client(cookies=session_cookies(user), timeout=30) as client,
        client.stream("POST", f"{server.url}{path}", data=fields, headers={"X-CSRFToken": CSRF}) as response,
    ):
        if response.headers.get("content-type", "").startswith("application/json"):
            response.read()
            return Streamed(response.status_code, [], response.json())
        return Streamed(
            response.status_code, events_read(response.iter_lines(), started, stop_after=stop_after)
        )


def async_run(main: Callable[[], Awaitable[T]]) -> T:
    """asyncio.run(main()) on a thread of its own: Playwright's sync API keeps an event loop running
    in the test thread once a browser test has run in the session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result()
