"""A message that Python code builds for a person (an application error from a service, an
importer's line error, a form or serializer error, a refusal the API sends, a flash message, a
note in an API answer) goes through gettext, so that it reaches a Chinese reader in Chinese.

The catalogue test finds strings already marked; this one finds the ones nobody marked: a bare
literal (or f-string) handed to a call whose words people read."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

APPS = ["annotation", "evaluation", "prompts", "people", "models_registry", "authoring", "common", "config"]
# Calls whose first argument (or `message` / `detail`) people read; every application error
# (common.errors.ApplicationError and the subclasses the apps define) is one too.
SINKS = {
    "PromptImportFailed",
    "ValidationError",
    "PermissionDenied",
    "NotFound",
    "ParseError",
    "Throttled",
    "Http404",
    "APIException",
    "error",  # messages.error / form errors built with forms.ValidationError's helpers
    "success",
    "warning",
    "info",
}
# `add_error(field, message)`, an importer's `FieldError(field, message)`: the message comes second
# (an ImportProblem's fourth, after file, line and field).
SECOND_ARGUMENT = {"add_error", "FieldError", "ImportProblem"}
# Keyword arguments whose value people read in an API answer or on a page.
READ_KEYWORDS = {"message", "detail", "note", "help_text", "label", "verbose_name", "empty_label"}
# The API's schema (serializer help texts, endpoint descriptions) is documentation for
# programmers, written once in English like the code it describes.
SCHEMA_KEYWORDS = {"help_text", "label", "description"}
TRANSLATED = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "format_lazy",
    "gettext_noop",  # marked here, translated where it is read (an import runs on a worker)
}


def _is_bare_text(node: ast.AST) -> bool:
    """A literal with words in it, not passed through gettext: "Done", f"{n} done", "a" + b, and
    such a literal as the value of an error's dict ({"file": ["Send a file."]})."""
    if isinstance(node, ast.Dict):
        return any(_is_bare_text(value) for value in node.values if value is not None)
    if isinstance(node, ast.List | ast.Tuple):
        return any(_is_bare_text(element) for element in node.elts)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(character.isalpha() for character in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_is_bare_text(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _is_bare_text(node.left)
    return False


def _name(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    if isinstance(function, ast.Name):
        return function.id
    return ""


def _is_logging(call: ast.Call) -> bool:
    """logger.error / logger.warning / logger.info write the log, which is for operators."""
    function = call.func
    return (
        isinstance(function, ast.Attribute)
        and isinstance(function.value, ast.Name)
        and function.value.id in ("logger", "log", "logging")
    )


def application_errors(sources: list[str]) -> set[str]:
    """ApplicationError and the names of the classes that derive from it, however deep."""
    bases: dict[str, set[str]] = {}
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
    found = {"ApplicationError"}
    while grown := {name for name, parents in bases.items() if parents & found} - found:
        found |= grown
    return found


def bare_messages(source: str, *, where: str, errors: frozenset[str] = frozenset()) -> list[str]:
    """``errors``: the application errors beside SINKS (found in the apps' code)."""
    schema = where.endswith("serializers.py")
    sinks = SINKS | errors
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _is_logging(node):
            continue
        name = _name(node)
        candidates: list[ast.AST] = []
        if name in sinks and node.args:
            candidates.append(node.args[0])
        if name in SECOND_ARGUMENT:
            candidates += node.args[3 if name == "ImportProblem" else 1 :][:1]
        if name in sinks | SECOND_ARGUMENT or name[:1].isupper():
            candidates += [
                keyword.value
                for keyword in node.keywords
                if keyword.arg in READ_KEYWORDS and not (schema and keyword.arg in SCHEMA_KEYWORDS)
            ]
        found += [
            f"{where}:{candidate.lineno} {ast.unparse(candidate)[:90]}"
            for candidate in candidates
            if _is_bare_text(candidate)
        ]
    return found


def _python_files() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((REPO / app).rglob("*.py"))
        if "migrations" not in path.parts and "management" not in path.parts
    ]


def test_every_message_built_in_services_importers_forms_and_the_api_goes_through_gettext():
    sources = {str(path.relative_to(REPO)): path.read_text() for path in _python_files()}
    errors = frozenset(application_errors(list(sources.values())))

    found = [
        problem
        for where, source in sources.items()
        for problem in bare_messages(source, where=where, errors=errors)
    ]

    assert found == [], "\n".join(found)


def test_an_application_error_is_found_however_deep_it_derives():
    source = (
        "class Rejected(errors.ApplicationError): ...\n"
        "class RunRejected(Rejected, ValueError): ...\n"
        "class Unrelated(ValueError): ...\n"
    )

    assert application_errors([source]) == {"ApplicationError", "Rejected", "RunRejected"}


def test_the_apps_application_errors_are_all_checked():
    errors = application_errors([path.read_text() for path in _python_files()])

    assert {
        "CampaignRejected",
        "QualityRejected",
        "JudgeRejected",
        "ImportRejected",
        "ExportRefused",
    } <= errors


def test_the_check_finds_a_bare_refusal_and_passes_a_translated_one():
    source = (
        "raise JudgementRejected('This item is not assigned to you.', field='lease')\n"
        "raise JudgementRejected(_('This item is not assigned to you.'), field='lease')\n"
        "raise PermissionDenied(detail=f'Only {role} may list items.')\n"
        "form.add_error('file', 'Bad file')\n"
        "logger.error('import failed: %s', error)\n"
        "raise PromptImportFailed(message)\n"
        "raise FieldError('level', f'must be one of {levels}')\n"
        "ImportProblem(name, 3, '', 'each line must be a JSON object')\n"
        "raise ValidationError({'file': ['Send a file.']})\n"
        "raise ValidationError({'file': [_('Send a file.')]})\n"
        "raise CampaignRejected('nothing to judge', field='kind')\n"
    )

    defined = "class JudgementRejected(ApplicationError): ...\nclass CampaignRejected(ApplicationError): ..."
    errors = frozenset(application_errors([defined]))

    assert [line.split(" ", 1)[0] for line in bare_messages(source, where="x", errors=errors)] == [
        "x:1",
        "x:3",
        "x:4",
        "x:7",
        "x:8",
        "x:9",
        "x:11",
    ]
