"""The app's settings (``settings.WUFEI``), with the defaults the code falls back to."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "BASE_URL": "",
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOK_RETRY_SECONDS": [60, 300, 1800, 7200, 43200],
    "WEBHOOK_MAX_ATTEMPTS": 6,
    "WEBHOOK_MAX_FAILURES": 10,
    "WEBHOOK_ALLOW_LOOPBACK": False,
    "WEBHOOK_ALLOW_PRIVATE": False,
}


def conf(name: str) -> Any:
    return getattr(settings, "WUFEI", {}).get(name, DEFAULTS[name])


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt (the last step repeats)."""
    steps = list(conf("WEBHOOK_RETRY_SECONDS")) or [60]
    return int(steps[min(max(attempts, 1), len(steps)) - 1])
