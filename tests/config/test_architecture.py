from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

FLOW = ["prompts", "models_registry", "annotation", "evaluation"]


def imported_top_packages(app: str) -> set[str]:
    found: set[str] = set()
    for path in Path(REPO, app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


@pytest.mark.parametrize("position", range(len(FLOW)))
def test_each_app_imports_only_the_apps_to_its_left(position):
    app = FLOW[position]
    downstream = set(FLOW[position + 1 :])

    assert not imported_top_packages(app) & downstream


def test_metrics_knows_nothing_of_django():
    assert "django" not in imported_top_packages("metrics")
