"""Readers: turn a binary stream into numbered records, reporting broken lines instead of raising.

Files are read line by line with a cap on line length, so a 10 MB line or a 5 GB file never
sits in memory whole.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import BinaryIO

from django.utils.translation import gettext, gettext_noop


def import_message_text(message: str, params: Mapping[str, object] | None = None) -> str:
    """An importer's message (an English message id) in the reader's language. A `hint` among
    the params is a message id of its own (what JSON's parser meant, in plain words)."""
    if not params:
        return gettext(message)
    if isinstance(params.get("hint"), str):
        params = {**params, "hint": gettext(str(params["hint"]))}
    return gettext(message) % params


@dataclass(frozen=True)
class ImportProblem:
    filename: str
    line: int
    field: str
    # The English message id, with %(name)s placeholders filled from params when it is read: an
    # import runs on a worker, in no one's language, and is read in each reader's own.
    message_id: str
    params: Mapping[str, object] = dataclass_field(default_factory=dict)

    @property
    def message(self) -> str:
        return import_message_text(self.message_id, self.params)

    def __str__(self) -> str:
        values = {"file": self.filename, "line": self.line, "field": self.field, "message": self.message}
        if self.line and self.field:
            return gettext("%(file)s, line %(line)s, field %(field)s: %(message)s") % values
        if self.line:
            return gettext("%(file)s, line %(line)s: %(message)s") % values
        if self.field:
            return gettext("%(file)s, field %(field)s: %(message)s") % values
        return gettext("%(file)s: %(message)s") % values

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "message_id": self.message_id,
            "params": dict(self.params),
        }


def import_problem_shown(problem: Mapping[str, object]) -> dict[str, object]:
    """A stored problem (ImportProblem.as_dict) with its message in the reader's language."""
    message_id = problem.get("message_id")
    if not isinstance(message_id, str):
        return dict(problem)
    params = problem.get("params")
    return {
        **problem,
        "message": import_message_text(message_id, params if isinstance(params, dict) else None),
    }


@dataclass(frozen=True)
class Record:
    line: int
    fields: dict[str, object] | None
    problem: ImportProblem | None = None


def _text_lines(
    stream: BinaryIO, *, filename: str, max_line_bytes: int
) -> Iterator[tuple[int, str | None, ImportProblem | None]]:
    line_no = 0
    while True:
        raw = stream.readline(max_line_bytes + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield (
                line_no,
                None,
                ImportProblem(
                    filename,
                    line_no,
                    "",
                    gettext_noop("line is longer than the limit of %(limit)s bytes"),
                    {"limit": f"{max_line_bytes:,}"},
                ),
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield (
                line_no,
                None,
                ImportProblem(
                    filename,
                    line_no,
                    "",
                    gettext_noop("not valid UTF-8 (byte %(byte)s of the line)"),
                    {"byte": exc.start + 1},
                ),
            )
            continue
        if line_no == 1:
            text = text.removeprefix("\ufeff")
        yield line_no, text, None


# json's messages, in words a person who wrote the file by hand can act on.
_JSON_HINTS = (
    ("Expecting ',' delimiter", gettext_noop("a comma is missing between two values")),
    ("Expecting ':' delimiter", gettext_noop("a colon is missing after a key")),
    (
        "Expecting property name enclosed in double quotes",
        gettext_noop("a key must be in double quotes (or a comma is extra)"),
    ),
    (
        "Expecting value",
        gettext_noop("a value is missing or not JSON (single quotes, a trailing comma, NaN, …)"),
    ),
    ("Unterminated string", gettext_noop("a string is not closed with a double quote")),
    (
        "Invalid control character",
        gettext_noop("a string holds a raw tab or line break; write it as \\t or \\n"),
    ),
    ("Invalid \\escape", gettext_noop("a string holds an invalid backslash escape")),
    ("Extra data", gettext_noop("more than one JSON value on the line")),
)


def json_error_problem(filename: str, line_no: int, text: str, exc: json.JSONDecodeError) -> ImportProblem:
    """'invalid JSON at column 12: a comma is missing between two values (near '"a": 1 "b"')'."""
    hint = next((words for prefix, words in _JSON_HINTS if exc.msg.startswith(prefix)), exc.msg)
    line = text.rstrip("\r\n")
    near = line[max(0, exc.pos - 15) : exc.pos + 15]
    return ImportProblem(
        filename,
        line_no,
        "",
        gettext_noop("invalid JSON at column %(column)s: %(hint)s (near %(near)s)"),
        {"column": exc.colno, "hint": hint, "near": repr(near)},
    )


def jsonl_records(stream: BinaryIO, *, filename: str, max_line_bytes: int) -> Iterator[Record]:
    for line_no, text, problem in _text_lines(stream, filename=filename, max_line_bytes=max_line_bytes):
        if problem is not None:
            yield Record(line_no, None, problem)
            continue
        assert text is not None
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(line_no, None, json_error_problem(filename, line_no, text, exc))
            continue
        if not isinstance(value, dict):
            yield Record(
                line_no,
                None,
                ImportProblem(filename, line_no, "", gettext_noop("each line must be a JSON object")),
            )
            continue
        yield Record(line_no, value)


def csv_records(stream: BinaryIO, *, filename: str, max_line_bytes: int) -> Iterator[Record]:
    """Rows of a CSV file with a header line, as dicts keyed by the header's column names."""
    problems: list[ImportProblem] = []
    last_line = 0

    def good_lines() -> Iterator[str]:
        nonlocal last_line
        for line_no, text, problem in _text_lines(stream, filename=filename, max_line_bytes=max_line_bytes):
            last_line = line_no
            if problem is not None:
                problems.append(problem)
                yield "\n"
            else:
                assert text is not None
                yield text

    reader = csv.reader(good_lines(), strict=True)
    header: list[str] | None = None
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield Record(
                last_line,
                None,
                ImportProblem(
                    filename, last_line, "", gettext_noop("invalid CSV: %(error)s"), {"error": str(exc)}
                ),
            )
            break
        while problems:
            problem = problems.pop(0)
            yield Record(problem.line, None, problem)
        row_line, start = start, last_line + 1
        if header is None:
            header = [name.strip() for name in row]
            if len(set(header)) != len(header):
                yield Record(
                    row_line,
                    None,
                    ImportProblem(filename, row_line, "", gettext_noop("duplicate column names")),
                )
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Record(
                row_line,
                None,
                ImportProblem(
                    filename,
                    row_line,
                    "",
                    gettext_noop("expected %(expected)s columns as in the header, got %(got)s"),
                    {"expected": len(header), "got": len(row)},
                ),
            )
            continue
        yield Record(row_line, dict(zip(header, row, strict=True)))
    for problem in problems:
        yield Record(problem.line, None, problem)


def json_array_or_jsonl_records(stream: BinaryIO, *, filename: str, max_line_bytes: int) -> Iterator[Record]:
    """Objects of a file that is either one JSON array of objects (as some datasets ship their
    ``.jsonl`` files) or JSONL: the first character that is not white space tells which."""
    start = stream.tell()
    head = stream.read(4096).removeprefix(b"\xef\xbb\xbf")
    while head and not head.strip():
        head = stream.read(4096)
    stream.seek(start)
    if head.lstrip()[:1] == b"[":
        return _json_array_records(stream, filename=filename, max_line_bytes=max_line_bytes)
    return jsonl_records(stream, filename=filename, max_line_bytes=max_line_bytes)


def _broken_element(filename: str, first_line: int, text: str, exc: json.JSONDecodeError) -> Record:
    line = first_line + exc.lineno - 1
    return Record(line, None, json_error_problem(filename, line, text, exc))


def _json_array_records(stream: BinaryIO, *, filename: str, max_line_bytes: int) -> Iterator[Record]:
    """The elements of a JSON array, each numbered by the line it starts on. The file is read line
    by line like JSONL (an element may span lines, up to max_line_bytes in all), so a large array
    never sits in memory whole. A broken element ends the reading: past it, nothing says where the
    next element starts."""
    decoder = json.JSONDecoder()
    # The text read and not yet parsed, and the line of the file its first character is on.
    pending, pending_line = "", 1
    opened, expect_element = False, True

    def problem(line: int, message: str, params: dict[str, object] | None = None) -> Record:
        return Record(line, None, ImportProblem(filename, line, "", message, params or {}))

    lines = _text_lines(stream, filename=filename, max_line_bytes=max_line_bytes)
    for line_no, text, line_problem in lines:
        if line_problem is not None:
            yield Record(line_no, None, line_problem)
            return
        assert text is not None
        if not pending:
            pending_line = line_no
        pending += text
        while pending:
            stripped = pending.lstrip()
            pending_line += pending[: len(pending) - len(stripped)].count("\n")
            pending = stripped
            if not pending:
                break
            if not opened:
                opened, pending = True, pending[1:]
            elif pending[0] == "]":
                if pending[1:].strip() or any(rest and rest.strip() for _n, rest, _p in lines):
                    yield problem(pending_line, gettext_noop("more than one JSON value in the file"))
                return
            elif not expect_element:
                if pending[0] != ",":
                    yield problem(
                        pending_line,
                        gettext_noop("invalid JSON at column %(column)s: %(hint)s (near %(near)s)"),
                        {"column": 1, "hint": _JSON_HINTS[0][1], "near": repr(pending[:30])},
                    )
                    return
                pending, expect_element = pending[1:], True
            else:
                try:
                    value, end = decoder.raw_decode(pending)
                except json.JSONDecodeError as exc:
                    # Lines end in a line break, which no JSON string may hold: an error at the
                    # end of what was read means the element goes on below; one before it is real.
                    if exc.pos < len(pending.rstrip()):
                        yield _broken_element(filename, pending_line, pending, exc)
                        return
                    if len(pending.encode("utf-8")) > max_line_bytes:
                        yield problem(
                            pending_line,
                            gettext_noop(
                                "an element of the JSON array is longer than the limit of %(limit)s bytes"
                            ),
                            {"limit": f"{max_line_bytes:,}"},
                        )
                        return
                    break
                if not isinstance(value, dict):
                    yield problem(
                        pending_line, gettext_noop("each element of the JSON array must be a JSON object")
                    )
                    return
                yield Record(pending_line, value)
                pending_line += pending[:end].count("\n")
                pending, expect_element = pending[end:], False
    if pending.strip():
        try:
            decoder.raw_decode(pending)
        except json.JSONDecodeError as exc:
            yield _broken_element(filename, pending_line, pending, exc)
            return
    yield problem(pending_line, gettext_noop("the JSON array is not closed with ]"))
