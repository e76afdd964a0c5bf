"""Scheduled work of the analytics app (Celery beat in production, inline in the embedded
default): fold new ledger entries and receipts into the aggregates (``aggregates.fold``)."""

from __future__ import annotations

import logging

from celery import shared_task

from . import aggregates

log = logging.getLogger(__name__)


@shared_task(name="wufei.analytics.tasks.fold_aggregates")
def fold_aggregates() -> dict[str, int]:
    """Idempotent: a second run (or two at once: the watermark row is locked) adds nothing."""
    out = aggregates.fold()
    log.info("analytics fold: %s", out)
    return out
