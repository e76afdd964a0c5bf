"""Webhook signatures (签名): ``X-Wufei-Signature: sha256=<hex HMAC-SHA256>``.

The signed message is ``<timestamp>.<body>``: the value of ``X-Wufei-Timestamp`` (Unix
seconds), a full stop, and the raw request body bytes. Receivers recompute it with their copy
of the endpoint's secret, compare in constant time and refuse old timestamps (replays).
docs/webhooks.md shows the same check for integrators in plain Python.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

EVENT_HEADER = "X-Wufei-Event"
DELIVERY_HEADER = "X-Wufei-Delivery"
TIMESTAMP_HEADER = "X-Wufei-Timestamp"
SIGNATURE_HEADER = "X-Wufei-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh signing secret (256 bits, URL-safe text)."""
    return "whsec_" + secrets.token_urlsafe(32)


def body_bytes(payload: Any) -> bytes:
    """The exact bytes POSTed for a payload (UTF-8 JSON, sorted keys, no spaces): the same on
    every attempt, whatever order the database returns the JSON in."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | int | None,
    signature: str | None,
    *,
    tolerance: int | None = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Is ``signature`` the signature of ``body`` at ``timestamp``, and is the timestamp
    within ``tolerance`` seconds of ``now``? (``tolerance=None`` skips the age check.)"""
    if not secret or not signature or timestamp is None:
        return False
    try:
        ts = int(str(timestamp).strip())
    except ValueError:
        return False
    if tolerance is not None:
        current = time.time() if now is None else now
        if abs(current - ts) > tolerance:
            return False
    return hmac.compare_digest(sign(secret, ts, body), str(signature).strip())


def headers(event: str, event_id: str, secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery attempt."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "wufei-webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
