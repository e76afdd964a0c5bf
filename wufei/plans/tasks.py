"""Plans background tasks (inline without a broker, on Celery workers with one)."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="wufei.plans.tasks.generate_due_declarations")
def generate_due_declarations() -> int:
    """Daily: the declarations of the last closed periods of every producer's sites that do
    not exist yet (idempotent: a second run the same day writes nothing)."""
    from .actions import generate_due

    made = generate_due()
    log.info("declarations: %d generated", len(made))
    return len(made)
