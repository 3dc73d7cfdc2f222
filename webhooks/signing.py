"""How a delivery is signed: HMAC-SHA256 with the endpoint's secret over "<timestamp>.<body>".

The timestamp (Unix seconds, sent in X-ValueLens-Timestamp) is inside the signed text, so a
receiver that refuses timestamps older than its replay window (docs/webhooks.md: 5 minutes)
refuses a recorded delivery sent again later, and cannot be fooled by a changed timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

SCHEME = "v1"
HEADER_SIGNATURE = "X-ValueLens-Signature"
HEADER_TIMESTAMP = "X-ValueLens-Timestamp"
HEADER_EVENT = "X-ValueLens-Event"
HEADER_EVENT_ID = "X-ValueLens-Event-Id"
HEADER_DELIVERY = "X-ValueLens-Delivery"
REPLAY_WINDOW_S = 300


def secret_make() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def body_encode(document: dict[str, Any]) -> bytes:
    """The request body: the same bytes on every attempt of one delivery."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature_make(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return f"{SCHEME}=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def headers_make(
    *, secret: str, timestamp: int, body: bytes, event: str, event_id: str, delivery_id: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "ValueLens-Webhooks/1",
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signature_make(secret=secret, timestamp=timestamp, body=body),
        HEADER_EVENT: event,
        HEADER_EVENT_ID: event_id,
        HEADER_DELIVERY: str(delivery_id),
    }
