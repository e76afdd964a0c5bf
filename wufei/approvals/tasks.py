"""Approval background tasks (inline without a broker, on Celery workers with one)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(name="wufei.approvals.tasks.list_overdue_steps")
def list_overdue_steps() -> list[dict[str, Any]]:
    """Daily: every open approval step past its due day (working-day deadlines of
    令第23号 Art. 23–25), logged and returned; the warnings app subscribes to the result."""
    from .queries import overdue_steps

    today = timezone.localdate()
    found = []
    for step in overdue_steps(today):
        approval = step.approval
        item = {
            "approval": approval.pk,
            "number": approval.number,
            "step": step.kind,
            "round": step.round,
            "due_on": step.due_on.isoformat(),
            "days_overdue": (today - step.due_on).days,
            "applicant": approval.applicant.name,
            "origin_region": approval.origin_region.prefix,
            "destination_region": approval.destination_region.prefix,
        }
        found.append(item)
        log.warning(
            "approval %s: step %s (round %d) overdue since %s",
            approval.number or approval.pk,
            step.kind,
            step.round,
            item["due_on"],
        )
    log.info("approvals: %d overdue steps", len(found))
    return found
