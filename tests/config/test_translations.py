"""Every string a person reads has its Simplified Chinese translation, and the compiled catalogue
the server loads is the one in the .po file."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys

import polib
import pytest

from tests.conftest import REPO

CATALOGUE = REPO / "locale" / "zh_Hans" / "LC_MESSAGES"
SOURCES = [
    "common",
    "config",
    "metrics",
    "prompts",
    "people",
    "models_registry",
    "authoring",
    "annotation",
    "evaluation",
    "webhooks",
    "templates",
    "manage.py",
]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """The catalogue as makemessages would make it from today's code: the committed translations
    kept, every string found in templates and Python code added (untranslated when new)."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is not installed: run scripts/test.sh, which installs it.")
    copy = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
        else:
            shutil.copy(source, copy / name)
    shutil.copytree(REPO / "locale", copy / "locale")
    made = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    return polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_string_in_templates_and_code_has_a_chinese_translation(extracted):
    missing = [entry.msgid for entry in extracted if not entry.translated() and not entry.obsolete]

    assert missing == []


def test_the_committed_catalogue_holds_every_string_makemessages_finds(extracted):
    committed = {entry.msgid for entry in polib.pofile(str(CATALOGUE / "django.po"))}

    assert {entry.msgid for entry in extracted if not entry.obsolete} <= committed


def test_the_compiled_catalogue_matches_the_po_file():
    compiled = gettext.GNUTranslations((CATALOGUE / "django.mo").open("rb"))
    stale = [
        entry.msgid
        for entry in polib.pofile(str(CATALOGUE / "django.po"))
        if entry.translated()
        and not entry.msgid_plural
        and (
            compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
        )
        != entry.msgstr
    ]

    assert stale == []
