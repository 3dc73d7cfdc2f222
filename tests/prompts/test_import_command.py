from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from prompts.models import Prompt

pytestmark = pytest.mark.django_db


def test_the_command_imports_a_file_and_reports_counts(cvalues_prompts_path, capsys):
    call_command(
        "import_prompts",
        str(cvalues_prompts_path),
        "--format",
        "cvalues_responsibility",
        "--set",
        "CV",
    )

    assert "664 created" in capsys.readouterr().out
    assert Prompt.objects.count() == 664


def test_the_command_prints_each_problem_and_fails(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id_": 1}\n', encoding="utf-8")

    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_prompts", str(path), "--format", "cvalues_responsibility", "--set", "CV")

    assert "bad.jsonl, line 1, field domain_en: missing field" in capsys.readouterr().err


def test_the_command_takes_a_column_mapping_for_generic_files(tmp_path):
    path = tmp_path / "red.csv"
    path.write_text("q,risk\nHow to pick a lock?,crimes\n", encoding="utf-8")

    call_command(
        "import_prompts",
        str(path),
        "--format",
        "generic_csv",
        "--set",
        "Red team",
        "--map",
        "text=q",
        "--map",
        "scenario=risk",
        "--map",
        "default_level=safety",
    )

    assert Prompt.objects.get().scenario.slug == "crimes"
