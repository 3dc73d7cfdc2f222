from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.template.backends.django import get_installed_libraries

from common.queue import task_by_name
from tests.conftest import REPO

# webhooks comes first: every app may emit an event through it.
FLOW = ["webhooks", "prompts", "people", "models_registry", "authoring", "annotation", "evaluation"]
# evaluation's subject packages, in the only order in which they may import each other.
SUBJECTS = ["figures", "attacks", "multichoice", "judges", "exports", "compare"]
CODE = [*FLOW, "common", "config", "metrics", "benchmarks", "tests"]


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from Path(REPO, folder).rglob("*.py")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, `from a.b import c` counted as both a.b and a.b.c."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def imported_top_packages(app: str) -> set[str]:
    return {module.split(".")[0] for path in python_files(app) for module in imported_modules(path)}


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


@pytest.mark.parametrize("position", range(len(FLOW)))
def test_each_app_imports_only_the_apps_to_its_left(position):
    app = FLOW[position]
    downstream = set(FLOW[position + 1 :])

    assert not imported_top_packages(app) & downstream


def test_metrics_knows_nothing_of_django():
    assert "django" not in imported_top_packages("metrics")


@pytest.mark.parametrize("position", range(len(SUBJECTS)))
def test_each_evaluation_subject_imports_only_the_subjects_to_its_left(position):
    subject = SUBJECTS[position]
    later = {f"evaluation.{s}" for s in SUBJECTS[position + 1 :]}

    imports = {m for path in python_files(f"evaluation/{subject}") for m in imported_modules(path)}

    assert not {m for m in imports if any(m == s or m.startswith(f"{s}.") for s in later)}


def test_evaluation_keeps_no_subject_code_at_its_top_level():
    top = {p.name for p in Path(REPO, "evaluation").glob("*.py")}

    assert top <= {"__init__.py", "apps.py", "models.py", "admin.py", "tasks.py", "urls.py", "api_urls.py"}


def test_nothing_outside_a_package_imports_its_private_modules():
    offences = []
    for path in python_files(*CODE):
        here = module_of(path)
        for module in imported_modules(path):
            parts = module.split(".")
            for depth, part in enumerate(parts):
                private_module = Path(REPO, *parts[: depth + 1]).with_suffix(".py").exists()
                if part.startswith("_") and not part.startswith("__") and private_module:
                    owner = ".".join(parts[:depth])
                    if not here.startswith(f"{owner}."):
                        offences.append(f"{here} imports {module}")
                    break
    assert offences == []


@pytest.mark.parametrize("app", FLOW)
def test_no_services_module_imports_the_tasks_of_its_app(app):
    services = [p for p in python_files(app) if p.name == "services.py"]

    assert services
    for path in services:
        assert not {m for m in imported_modules(path) if m.startswith(f"{app}.tasks")}, path


def queued_task_names() -> set[str]:
    names = set()
    for path in python_files(*FLOW):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "task_enqueue":
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path}: task_enqueue takes a literal task name"
                names.add(first.value)
    return names


def test_every_task_a_service_queues_is_a_registered_celery_task():
    from config.celery_app import app

    names = queued_task_names()

    assert len(names) >= 4
    for name in names:
        assert task_by_name(name).name in app.tasks


def test_config_is_wiring_and_imports_no_app():
    """config/ names apps only by URL includes and settings strings; shared code that an app needs
    lives in its own package (common/), so no arrow runs from config back into the apps."""
    assert not imported_top_packages("config") & set(FLOW)


LOAD = re.compile(r"{%\s*load\s+(.+?)\s*%}")


def template_library_owners() -> dict[str, str]:
    """Each template tag library's name and the top package whose code defines it: the apps'
    templatetags modules, and the libraries the settings name (common's, which is no app)."""
    modules = {**get_installed_libraries(), **settings.TEMPLATES[0]["OPTIONS"].get("libraries", {})}
    return {name: module.split(".")[0] for name, module in modules.items()}


def libraries_loaded(text: str) -> set[str]:
    """The libraries a template loads: `{% load a b %}`, and `{% load x y from a %}`."""
    found = set()
    for words in LOAD.findall(text):
        names = words.split()
        found.update(names[names.index("from") + 1 :] if "from" in names else names)
    return found


def later_libraries(app: str, text: str) -> set[str]:
    """The libraries a template of `app` loads from an app after it in the flow."""
    owners = template_library_owners()
    downstream = set(FLOW[FLOW.index(app) + 1 :])
    return {name for name in libraries_loaded(text) if owners.get(name) in downstream}


@pytest.mark.parametrize("app", FLOW)
def test_each_apps_templates_load_only_tag_libraries_of_the_apps_to_its_left(app):
    offences = {
        str(path.relative_to(REPO)): later_libraries(app, path.read_text(encoding="utf-8"))
        for path in Path(REPO, "templates", app).rglob("*.html")
    }

    assert {path: names for path, names in offences.items() if names} == {}


def test_the_template_check_catches_a_library_loaded_from_a_later_app():
    assert later_libraries("authoring", "{% load i18n estimates %}") == {"estimates"}
    assert later_libraries("authoring", "{% load figure from estimates %}") == {"estimates"}
    assert later_libraries("authoring", "{% load i18n safe_markdown text_lang %}") == set()


def test_every_library_a_template_loads_is_known():
    owners = template_library_owners()
    loaded = set().union(
        *(libraries_loaded(p.read_text(encoding="utf-8")) for p in Path(REPO, "templates").rglob("*.html"))
    )

    assert loaded - set(owners) == set()
