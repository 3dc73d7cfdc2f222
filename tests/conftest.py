from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.utils import translation

from common.roles import Role
from people.services import user_create
from prompts.models import Domain
from tests.support.database_reset import database_reference_take, database_reset_install

# Playwright's sync API runs an event loop in the test thread; the ORM calls in these tests are
# still synchronous, so Django's async-safety guard would be a false alarm.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = [
    "tests.models_registry.fixtures",
    "tests.annotation.fixtures",
    "tests.authoring.fixtures",
    "tests.annotation.crowd_support",
    "tests.evaluation.snapshot_support",
    "tests.people.identity_fixtures",
]

REPO = Path(__file__).resolve().parent.parent

database_reset_install()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """pytest-django's test database, and its rows as migrated: what a transactional test's
    teardown brings it back to (tests/support/database_reset.py)."""
    with django_db_blocker.unblock():
        database_reference_take(alias="default")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request leaves its language active in the thread (Django's LocaleMiddleware never resets
    it); a test that asked for Chinese pages must not leave later tests' messages in Chinese."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _shared_cache_empty() -> None:
    """The workspace caches per-person figures by database id, and ids come again in the next
    test (a rolled-back sequence on SQLite, a new test database): each test starts with none."""
    cache = caches["default"]
    # Never a flush of a shared Redis that CACHE_URL might name.
    if isinstance(cache, LocMemCache):
        cache.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run scripts/test.sh, which installs it.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(*roles: Role, domains: tuple[str, ...] = (), username: str | None = None) -> User:
        name = username or f"{'-'.join(r.value for r in roles) or 'nobody'}-{next(counter)}"
        return user_create(
            username=name,
            password=PASSWORD,
            roles=roles,
            domains=Domain.objects.filter(slug__in=domains),
        )

    return make


@pytest.fixture
def admin_user(make_user) -> User:
    return make_user(Role.ADMIN, username="ada-admin")


@pytest.fixture
def admin_client(client, admin_user):
    """A session of an admin of ValueLens (the role; pytest-django's own is a superuser)."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def crowdworker(make_user) -> User:
    return make_user(Role.CROWDWORKER, username="carl-crowd")


@pytest.fixture
def expert(make_user) -> User:
    return make_user(Role.EXPERT, domains=("law", "psychology"), username="erin-expert")


@pytest.fixture
def cvalues_prompts_path() -> Path:
    return REPO / "data" / "cvalues" / "cvalues_responsibility_prompts.jsonl"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, as scripts/test.sh runs it), tests sharing a costly
    fixture stay in one process, which starts it once: the local model's server (session-wide), and
    each module whose tests share a module-scoped fixture (a migrated template database, an ASGI
    server, the extracted message catalogue)."""
    for item in items:
        if item.get_closest_marker("local_model"):
            item.add_marker(pytest.mark.xdist_group("local_model"))
            continue
        if {"oidc_provider", "slapd"} & set(getattr(item, "fixturenames", ())):
            # The identity providers are started once, in the process that runs these tests.
            item.add_marker(pytest.mark.xdist_group("identity_providers"))
            continue
        fixtures = getattr(item, "_fixtureinfo", None)
        definitions = fixtures.name2fixturedefs.values() if fixtures else ()
        if any(
            d.scope in ("module", "package", "class") and d.func.__module__.startswith("tests.")
            for defs in definitions
            for d in defs
        ):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__ if item.module else item.nodeid))
