"""Canonical JSON, the one byte form that is hashed: sorted keys, compact separators, UTF-8."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(*, prev_hash: str, fields: dict[str, Any]) -> str:
    """An audit entry's hash: SHA-256 of the previous entry's hash (hex) followed by the entry's
    canonical fields, so that each entry seals every one before it."""
    return sha256_text(prev_hash + canonical_json(fields))
