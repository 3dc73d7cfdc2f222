"""Readers: turn a binary stream into numbered records, reporting broken lines instead of raising.

Files are read line by line with a cap on line length, so a 10 MB line or a 5 GB file never
sits in memory whole.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class ImportProblem:
    filename: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.filename}, line {self.line}" if self.line else self.filename
        return f"{where}, field {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "line": self.line,
            "field": self.field,
            "message": self.message,
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
                    f"line is longer than the limit of {max_line_bytes:,} bytes",
                ),
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield (
                line_no,
                None,
                ImportProblem(filename, line_no, "", f"not valid UTF-8 (byte {exc.start + 1} of the line)"),
            )
            continue
        if line_no == 1:
            text = text.removeprefix("\ufeff")
        yield line_no, text, None


# json's messages, in words a person who wrote the file by hand can act on.
_JSON_HINTS = (
    ("Expecting ',' delimiter", "a comma is missing between two values"),
    ("Expecting ':' delimiter", "a colon is missing after a key"),
    (
        "Expecting property name enclosed in double quotes",
        "a key must be in double quotes (or a comma is extra)",
    ),
    ("Expecting value", "a value is missing or not JSON (single quotes, a trailing comma, NaN, …)"),
    ("Unterminated string", "a string is not closed with a double quote"),
    ("Invalid control character", "a string holds a raw tab or line break; write it as \\t or \\n"),
    ("Invalid \\escape", "a string holds an invalid backslash escape"),
    ("Extra data", "more than one JSON value on the line"),
)


def json_error_message(text: str, exc: json.JSONDecodeError) -> str:
    """'invalid JSON at column 12: a comma is missing between two values (near '"a": 1 "b"')'."""
    hint = next((words for prefix, words in _JSON_HINTS if exc.msg.startswith(prefix)), exc.msg)
    line = text.rstrip("\r\n")
    near = line[max(0, exc.pos - 15) : exc.pos + 15]
    return f"invalid JSON at column {exc.colno}: {hint} (near {near!r})"


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
            yield Record(line_no, None, ImportProblem(filename, line_no, "", json_error_message(text, exc)))
            continue
        if not isinstance(value, dict):
            yield Record(
                line_no,
                None,
                ImportProblem(filename, line_no, "", "each line must be a JSON object"),
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
            yield Record(last_line, None, ImportProblem(filename, last_line, "", f"invalid CSV: {exc}"))
            break
        while problems:
            problem = problems.pop(0)
            yield Record(problem.line, None, problem)
        row_line, start = start, last_line + 1
        if header is None:
            header = [name.strip() for name in row]
            if len(set(header)) != len(header):
                yield Record(row_line, None, ImportProblem(filename, row_line, "", "duplicate column names"))
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
                    f"expected {len(header)} columns as in the header, got {len(row)}",
                ),
            )
            continue
        yield Record(row_line, dict(zip(header, row, strict=True)))
    for problem in problems:
        yield Record(problem.line, None, problem)
