"""Read-side helpers for the supervision pages, the API and the dashboards (查询 · 统计).

Every query starts from ``restrict(user, "view")``: a regulator sees its jurisdiction, an
enterprise its own warnings. ``statistics(user, …)`` returns plain dicts (no model objects) so
the analytics dashboards can reuse it as is.

隐患排查整治率 (rectification rate) = closed / (closed + open past due), over the warnings
raised in the period; "open past due" = not closed or dismissed and the current step's due
time (``stage_due_at``) has passed. Dismissed warnings (false positives) count in neither.
"""

from __future__ import annotations

import datetime as dt
import statistics as stats
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wufei.catalog.models import Region
from wufei.core.permissions import principal

from . import rules
from .actions import OPEN_STATES
from .models import Case, Clue, Warning, WarningStatus

SEVERITIES = ("red", "orange", "yellow")


@dataclass(frozen=True)
class WarningFilters:
    status: str = ""  # a WarningStatus, or "active" (all open states)
    severity: str = ""
    rule: str = ""
    region: str = ""  # a region prefix (drill-down: province → city → county)
    overdue: bool = False
    escalated: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params: Any) -> WarningFilters:
        def flag(name: str) -> bool:
            return str(params.get(name) or "").lower() in ("1", "true", "yes", "on")

        return cls(
            status=str(params.get("status") or ""),
            severity=str(params.get("severity") or ""),
            rule=str(params.get("rule") or ""),
            region=str(params.get("region") or "").strip(),
            overdue=flag("overdue"),
            escalated=flag("escalated"),
            q=str(params.get("q") or "").strip(),
        )


def warnings(user: Any, f: WarningFilters | None = None, *, now: dt.datetime | None = None):
    """The warnings ``user`` may view, filtered."""
    f = f or WarningFilters()
    now = now or timezone.now()
    qs = Warning.objects.restrict(user, "view").select_related(
        "region", "organization", "assigned_to", "assignee"
    )
    if f.status == "active":
        qs = qs.filter(status__in=OPEN_STATES)
    elif f.status in WarningStatus.values:
        qs = qs.filter(status=f.status)
    if f.severity in SEVERITIES:
        qs = qs.filter(severity=f.severity)
    if f.rule:
        qs = qs.filter(rule=f.rule)
    if f.region.isdigit():
        qs = qs.filter(region__prefix__startswith=f.region)
    if f.overdue:
        qs = overdue(qs, now)
    if f.escalated:
        qs = qs.filter(escalated=True)
    if f.q:
        qs = qs.filter(
            Q(title__icontains=f.q)
            | Q(subject_repr__icontains=f.q)
            | Q(organization__name__icontains=f.q)
            | Q(manifest__number__icontains=f.q)
        )
    return qs


def overdue(qs: QuerySet[Warning], now: dt.datetime | None = None) -> QuerySet[Warning]:
    return qs.filter(status__in=OPEN_STATES, stage_due_at__lt=now or timezone.now())


def is_overdue(w: Warning, now: dt.datetime | None = None) -> bool:
    return bool(w.is_open and w.stage_due_at and w.stage_due_at < (now or timezone.now()))


def severity_counts(qs: QuerySet[Warning]) -> dict[str, int]:
    rows = dict(qs.order_by().values_list("severity").annotate(n=Count("pk")))
    return {s: int(rows.get(s, 0)) for s in SEVERITIES}


def region_children(user: Any, prefix: str) -> list[dict[str, Any]]:
    """The next level down for the region drill-down: the user's own areas at the top."""
    if prefix.isdigit():
        parent = Region.objects.filter(prefix=prefix).first()
        return (
            [
                {"prefix": r.prefix, "name": r.name}
                for r in Region.objects.filter(parent=parent).order_by("code")
            ]
            if parent
            else []
        )
    p = principal(user)
    tops = sorted(p.jurisdictions) if p and p.jurisdictions else ["33"]
    return [
        {"prefix": r.prefix, "name": r.name}
        for r in Region.objects.filter(prefix__in=tops).order_by("code")
    ]


def region_trail(prefix: str) -> list[dict[str, str]]:
    trail = []
    region = Region.objects.filter(prefix=prefix).first() if prefix.isdigit() else None
    while region is not None:
        trail.append({"prefix": region.prefix, "name": region.name})
        region = region.parent
    return list(reversed(trail))


def rule_choices() -> list[tuple[str, str]]:
    return [(code, str(r.title)) for code, r in sorted(rules.REGISTRY.items())]


def rule_title(code: str) -> str:
    rule = rules.REGISTRY.get(code)
    return str(rule.title) if rule else code


def _region_key(prefix: str, depth: int) -> str:
    return prefix[:depth] if len(prefix) >= depth else prefix


def statistics(
    user: Any,
    *,
    region: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Dashboard figures over the warnings ``user`` may view (plain dicts and numbers):
    by rule, by region (one level below ``region``), by severity, median hours to close and
    the rectification rate (隐患排查整治率, see the module docstring)."""
    now = now or timezone.now()
    qs = warnings(user, WarningFilters(region=region), now=now)
    if since:
        qs = qs.filter(raised_at__date__gte=since)
    if until:
        qs = qs.filter(raised_at__date__lte=until)
    rows = list(
        qs.order_by().values(
            "rule", "severity", "status", "region__prefix", "raised_at", "closed_at", "stage_due_at"
        )
    )
    depth = {0: 4, 2: 4, 4: 6}.get(len(region), 6)
    by_rule: dict[str, dict[str, Any]] = {}
    by_region: dict[str, dict[str, Any]] = {}
    by_severity = dict.fromkeys(SEVERITIES, 0)
    by_status = dict.fromkeys(WarningStatus.values, 0)
    hours: list[float] = []
    closed = open_overdue = 0
    for r in rows:
        by_severity[r["severity"]] = by_severity.get(r["severity"], 0) + 1
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        entry = by_rule.setdefault(
            r["rule"],
            {"rule": r["rule"], "title": rule_title(r["rule"]), "total": 0, "open": 0, "closed": 0},
        )
        key = _region_key(r["region__prefix"], depth)
        place = by_region.setdefault(key, {"prefix": key, "total": 0, "open": 0, "closed": 0})
        for bucket in (entry, place):
            bucket["total"] += 1
        if r["status"] == WarningStatus.CLOSED:
            closed += 1
            entry["closed"] += 1
            place["closed"] += 1
            if r["closed_at"]:
                hours.append((r["closed_at"] - r["raised_at"]).total_seconds() / 3600)
        elif r["status"] in OPEN_STATES:
            entry["open"] += 1
            place["open"] += 1
            if r["stage_due_at"] and r["stage_due_at"] < now:
                open_overdue += 1
    names = dict(Region.objects.filter(prefix__in=by_region).values_list("prefix", "name"))
    for key, place in by_region.items():
        place["name"] = names.get(key, key)
    denominator = closed + open_overdue
    return {
        "total": len(rows),
        "by_severity": by_severity,
        "by_status": by_status,
        "by_rule": sorted(by_rule.values(), key=lambda e: (-e["total"], e["rule"])),
        "by_region": sorted(by_region.values(), key=lambda e: e["prefix"]),
        "median_hours_to_close": round(stats.median(hours), 1) if hours else None,
        "closed": closed,
        "open_overdue": open_overdue,
        "rectification_rate": round(closed / denominator, 4) if denominator else None,
    }


def clues(user: Any, *, status: str = "", source: str = "", region: str = ""):
    qs = Clue.objects.restrict(user, "view").select_related("region")
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if region.isdigit():
        qs = qs.filter(region__prefix__startswith=region)
    return qs


def clue_features(qs: QuerySet[Clue], url_for: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for the clue map: the clues (by status) and, for each
    matched stop, a line from the stop to its clue."""
    features: list[dict[str, Any]] = []
    for clue in qs.prefetch_related("matches__finding__trip__manifest__vehicle")[:1000]:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [clue.longitude, clue.latitude]},
                "properties": {
                    "kind": "clue",
                    "status": clue.status,
                    "label": f"{clue.number} · {clue.get_status_display()}",
                    "summary": clue.description[:120],
                    "time": timezone.localtime(clue.observed_at).strftime("%Y-%m-%d %H:%M"),
                    "url": url_for(clue),
                },
            }
        )
        for m in clue.matches.all():
            f = m.finding
            if f.latitude is None or f.longitude is None:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [
                            [f.longitude, f.latitude],
                            [clue.longitude, clue.latitude],
                        ],
                    },
                    "properties": {
                        "kind": "match",
                        "label": f"{f.trip.manifest.number} · {f.trip.manifest.vehicle.plate}",
                        "summary": f.summary,
                        "distance_m": m.distance_m,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def cases(user: Any, *, status: str = ""):
    qs = Case.objects.restrict(user, "view").select_related("region", "organization", "bureau")
    if status:
        qs = qs.filter(status=status)
    return qs


def finding_links(user: Any, trip: Any) -> dict[int, str]:
    """``{finding id: warning url}`` for the trip map (registered with trips at start-up)."""
    from django.urls import reverse

    rows = (
        Warning.objects.restrict(user, "view")
        .filter(finding__trip=trip)
        .values_list("finding_id", "pk")
    )
    return {fid: reverse("supervision:warning", args=[pk]) for fid, pk in rows if fid}
