"""Core background tasks (run inline without a broker, on Celery workers with one)."""

from __future__ import annotations

import logging

from celery import shared_task

from . import audit

log = logging.getLogger(__name__)


@shared_task(name="wufei.core.tasks.verify_audit_chain")
def verify_audit_chain() -> str | None:
    """Nightly check of the audit chain; logs an error naming the first bad row."""
    problem = audit.verify()
    if problem is not None:
        log.error("audit chain broken: %s", problem)
        return str(problem)
    return None
