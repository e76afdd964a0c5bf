"""Scheduled rule scans and escalation (Celery beat in production, the in-process scheduler in
the embedded default — see docs/supervision.md)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from . import actions, rules

log = logging.getLogger(__name__)


@shared_task(name="wufei.supervision.tasks.scan_rules")
def scan_rules(codes: list[str] | None = None) -> dict[str, int]:
    """Run every rule (or ``codes``) over today's facts; returns the new warnings per rule."""
    today = timezone.localdate()
    out: dict[str, int] = {}
    for code, rule in sorted(rules.REGISTRY.items()):
        if codes and code not in codes:
            continue
        raised = actions.raise_facts(rule, rule.facts(today))
        out[code] = len(raised)
    log.info("rule scan: %s", {k: v for k, v in out.items() if v})
    return out


@shared_task(name="wufei.supervision.tasks.escalate_overdue")
def escalate_overdue() -> int:
    return len(actions.escalate_overdue())


@shared_task(name="wufei.supervision.tasks.analyse_open_trips")
def analyse_open_trips() -> int:
    """Re-analyse the trips of manifests on the road or recently arrived (points keep coming)."""
    import datetime as dt

    from wufei.manifests.models import Manifest, ManifestStatus
    from wufei.trips.services import analyse

    since = timezone.now() - dt.timedelta(days=2)
    qs = Manifest.objects.filter(
        status__in=(ManifestStatus.IN_TRANSIT, ManifestStatus.ARRIVED)
    ) | Manifest.objects.filter(received_at__gte=since)
    n = 0
    for m in qs.distinct():
        analyse(m)
        n += 1
    return n
