"""Settings of the tracking app: ``settings.WUFEI[...]`` first, then the environment.

- ``TRACK_RETENTION_DAYS`` (env ``WUFEI_TRACK_RETENTION_DAYS``, default 400): points older than
  this are dropped (whole day partitions on PostgreSQL, rows on SQLite).
- ``TRACK_PARTITION_DAYS_AHEAD`` (default 7): day partitions created ahead of today.
- ``TRACK_MAX_FUTURE_SECONDS`` (default 600): a point later than now plus this is refused.
- ``TRACK_MAX_SPEED_KMH`` (default 250): the physical limit for a road vehicle's reported speed.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "TRACK_RETENTION_DAYS": 400,
    "TRACK_PARTITION_DAYS_AHEAD": 7,
    "TRACK_MAX_FUTURE_SECONDS": 600,
    "TRACK_MAX_SPEED_KMH": 250.0,
}


def setting(name: str) -> Any:
    configured = getattr(settings, "WUFEI", {}) or {}
    if name in configured:
        return configured[name]
    env = os.environ.get(f"WUFEI_{name}")
    if env not in (None, ""):
        return type(DEFAULTS[name])(env)
    return DEFAULTS[name]


def retention_days() -> int:
    return int(setting("TRACK_RETENTION_DAYS"))
