"""The CSV formula guard, for every CSV a person may open in a spreadsheet: the exports and the
paper bundle's tables."""

from __future__ import annotations

from typing import Any

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe, which
    spreadsheets show as text; numbers, booleans and empty cells pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
