"""Rules that run on events (besides the schedule): a receipt's discrepancy, a late receipt,
new track findings. Each handler raises through ``actions.raise_warning``, once per fact."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from wufei.core.events import subscribe
from wufei.trips.models import Finding

from . import actions, rules


@subscribe("manifest.received", "manifest.discrepancy")
def on_receipt(event: str, manifest_id: int, **_: Any) -> None:
    today = timezone.localdate()
    for code in ("manifest.discrepancy", "manifest.receipt_late"):
        rule = rules.get(code)
        facts = (f for f in rule.facts(today) if f.manifest_id == manifest_id)
        actions.raise_facts(rule, facts)


@subscribe("trip.findings")
def on_findings(event: str, finding_ids: list[int], **_: Any) -> None:
    for f in Finding.objects.filter(pk__in=finding_ids).select_related("trip__manifest__vehicle"):
        rule = rules.get(f"track.{f.kind}")
        actions.raise_facts(rule, (rules.finding_fact(x) for x in [f]))
