"""Row writers for exports: JSONL, CSV and Parquet, each streaming rows to a file.

A writer holds at most one batch of rows (Parquet) or none (JSONL, CSV), so an export's memory
does not grow with its size. Columns are declared once, with a type and a description: the
Parquet schema and the dataset card's field tables both come from them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from common.spreadsheet import csv_cell


class ExportFormatUnavailable(Exception):
    """The format needs an optional dependency that is not installed."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # int | float | str | bool | datetime | json
    description: str


class RowWriter(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


def _plain(value: Any, column_type: str) -> Any:
    if value is None:
        return None
    if column_type == "datetime":
        return value.isoformat() if isinstance(value, dt.datetime) else value
    return value


class JsonlWriter:
    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self._file = path.open("w", encoding="utf-8", buffering=1 << 20)
        self._dates = [c.name for c in columns if c.type == "datetime"]

    def write(self, row: dict[str, Any]) -> None:
        for name in self._dates:
            value = row[name]
            if isinstance(value, dt.datetime):
                row[name] = value.isoformat()
        self._file.write(json.dumps(row, ensure_ascii=False))
        self._file.write("\n")

    def close(self) -> None:
        self._file.close()


class CsvWriter:
    def __init__(self, path: Path, columns: Sequence[Column], *, bom: bool = False) -> None:
        # Excel reads a CSV file as the system's code page unless it starts with a byte-order mark,
        # and garbles Chinese; programs that read UTF-8 strictly want none.
        encoding = "utf-8-sig" if bom else "utf-8"
        self._file = path.open("w", encoding=encoding, newline="", buffering=1 << 20)
        self._columns = list(columns)
        self._csv = csv.writer(self._file)
        self._csv.writerow([c.name for c in columns])

    def write(self, row: dict[str, Any]) -> None:
        cells = []
        for column in self._columns:
            value = _plain(row[column.name], column.type)
            if column.type == "json" and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            cells.append(csv_cell(value))
        self._csv.writerow(cells)

    def close(self) -> None:
        self._file.close()


class ParquetWriter:
    BATCH = 10_000

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:  # pragma: no cover - the test environment installs the extra
            raise ExportFormatUnavailable(
                'Parquet exports need the parquet extra: pip install "valuelens[parquet]".'
            ) from exc
        types = {
            "int": pa.int64(),
            "float": pa.float64(),
            "str": pa.string(),
            "bool": pa.bool_(),
            "datetime": pa.timestamp("us", tz="UTC"),
            "json": pa.string(),
        }
        self._pa = pa
        self._columns = list(columns)
        self._schema = pa.schema([(c.name, types[c.type]) for c in columns])
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._batch: dict[str, list[Any]] = {c.name: [] for c in columns}
        self._rows = 0

    def write(self, row: dict[str, Any]) -> None:
        for column in self._columns:
            value = row[column.name]
            if column.type == "json" and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            elif column.type == "datetime" and isinstance(value, str):
                value = dt.datetime.fromisoformat(value)
            self._batch[column.name].append(value)
        self._rows += 1
        if self._rows >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_batch(self._pa.RecordBatch.from_pydict(self._batch, schema=self._schema))
            for values in self._batch.values():
                values.clear()
            self._rows = 0

    def close(self) -> None:
        self._flush()
        self._writer.close()


WRITERS: dict[str, type] = {"jsonl": JsonlWriter, "csv": CsvWriter, "parquet": ParquetWriter}


def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


def writer_open(*, fmt: str, path: Path, columns: Sequence[Column], bom: bool = False) -> RowWriter:
    """A writer for the format; ``bom`` starts a CSV file with a UTF-8 byte-order mark."""
    if fmt == "csv":
        return CsvWriter(path, columns, bom=bom)
    return WRITERS[fmt](path, columns)
