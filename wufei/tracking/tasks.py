"""Celery tasks of the tracking app (beat: daily, see docs/tracking.md)."""

from __future__ import annotations

from celery import shared_task

from . import partitions


@shared_task(name="wufei.tracking.tasks.maintain_track_storage")
def maintain_track_storage() -> dict[str, int]:
    """Create tomorrow's partitions (PostgreSQL) and drop / delete points past retention."""
    created = partitions.ensure_partitions()
    result = partitions.apply_retention()
    return {
        "created": len(created),
        "dropped": len(result.dropped_partitions),
        "deleted": result.deleted_rows,
    }
