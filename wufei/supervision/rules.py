"""The rule registry (预警规则): code, regulation, severity, target jurisdiction and the facts.

Each rule's ``facts(today)`` yields the facts that hold now; the scheduled scan
(``tasks.scan_rules``) and the event subscribers (``subscriptions.py``) hand them to
``actions.raise_warning``, which records each (rule, fact key) once. The target jurisdiction is
the region the fact happened in (a track finding: the county where the truck stopped; a receipt:
the receiving area, Art. 18; storage: the site's county); the warning goes to that area's
county bureau, and to the city bureau when it is escalated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wufei.approvals.queries import overdue_steps
from wufei.ledger.models import Container, ContainerStatus
from wufei.ledger.rules import setting as ledger_setting
from wufei.manifests.models import Manifest, ManifestLine, ManifestStatus
from wufei.plans.declarations_models import Declaration, DeclarationStatus
from wufei.plans.models import PlanWaste
from wufei.registry.models import Facility, FacilityKind, Permit, PermitScope
from wufei.trips.models import Finding, FindingKind


@dataclass
class Fact:
    key: str
    title: str
    region_id: int
    organization_id: int | None = None
    summary: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    manifest_id: int | None = None
    finding_id: int | None = None
    subject: Any = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    title: Any
    regulation: Any  # the article it enforces
    severity: str
    target: Any  # whose bureau gets it
    facts: Callable[[dt.date], Iterable[Fact]]
    events: tuple[str, ...] = ()


REGISTRY: dict[str, Rule] = {}


def rule(
    code: str, **kw: Any
) -> Callable[[Callable[[dt.date], Iterable[Fact]]], Callable[[dt.date], Iterable[Fact]]]:
    def register(fn: Callable[[dt.date], Iterable[Fact]]) -> Callable[[dt.date], Iterable[Fact]]:
        REGISTRY[code] = Rule(code=code, facts=fn, **kw)
        return fn

    return register


# --- track findings ------------------------------------------------------------------------

TRACK_RULES = {
    FindingKind.LONG_STOP: ("red", _("Suspected dumping: long stop away from known places")),
    FindingKind.DEVIATION: ("orange", _("Route deviation")),
    FindingKind.NO_TRACK: ("orange", _("Trip without a track")),
    FindingKind.GAP: ("yellow", _("Gap in the track")),
    FindingKind.LATE_ARRIVAL: ("yellow", _("Late arrival")),
    FindingKind.IMPOSSIBLE_SPEED: ("yellow", _("Impossible speed in the track")),
    FindingKind.LATE_START: ("yellow", _("Track starts after the recorded departure")),
    FindingKind.WEIGHT_DIFFERENCE: ("orange", _("Weight difference between dispatch and receipt")),
}


def finding_fact(f: Finding) -> Fact:
    m = f.trip.manifest
    region = f.region_id or m.origin_region_id
    return Fact(
        key=f"finding:{f.pk}",
        title=f"{f.get_kind_display()} · {m.number} · {m.vehicle.plate}",
        region_id=region,
        organization_id=m.carrier_id,
        summary=f.summary,
        evidence={
            "finding": f.pk,
            "kind": f.kind,
            "started_at": f.started_at.isoformat() if f.started_at else None,
            "ended_at": f.ended_at.isoformat() if f.ended_at else None,
        },
        manifest_id=m.pk,
        finding_id=f.pk,
        subject=m,
        latitude=f.latitude,
        longitude=f.longitude,
    )


def _track_facts(kind: str) -> Callable[[dt.date], Iterator[Fact]]:
    def facts(today: dt.date) -> Iterator[Fact]:
        since = timezone.now() - dt.timedelta(days=30)
        qs = Finding.objects.filter(kind=kind, created_at__gte=since).select_related(
            "trip__manifest__vehicle"
        )
        for f in qs:
            yield finding_fact(f)

    return facts


for _kind, (_severity, _title) in TRACK_RULES.items():
    REGISTRY[f"track.{_kind}"] = Rule(
        code=f"track.{_kind}",
        title=_title,
        regulation=_("令第23号 Art. 11 (carrier records the track) and Art. 5; 固废法 Art. 20"),
        severity=_severity,
        target=_("the county where it happened"),
        facts=_track_facts(_kind),
        events=("trip.findings",),
    )


# --- manifests ------------------------------------------------------------------------------


@rule(
    "manifest.receipt_overdue",
    title=_("Receipt not confirmed within 5 working days"),
    regulation=_("令第23号 Art. 18"),
    severity="orange",
    target=_("the receiving area's county bureau"),
)
def receipt_overdue(today: dt.date) -> Iterator[Fact]:
    qs = Manifest.objects.filter(
        status=ManifestStatus.ARRIVED, receipt_due_on__lt=today
    ).select_related("receiver")
    for m in qs:
        yield Fact(
            key=f"manifest:{m.pk}",
            title=f"{m.number} · {m.receiver.name}",
            region_id=m.destination_region_id,
            organization_id=m.receiver_id,
            summary=str(_("Due %(day)s.") % {"day": m.receipt_due_on}),
            manifest_id=m.pk,
            subject=m,
        )


@rule(
    "manifest.receipt_late",
    title=_("Receipt confirmed after 5 working days"),
    regulation=_("令第23号 Art. 18"),
    severity="yellow",
    target=_("the receiving area's county bureau"),
    events=("manifest.received",),
)
def receipt_late(today: dt.date) -> Iterator[Fact]:
    since = timezone.now() - dt.timedelta(days=60)
    for m in Manifest.objects.filter(receipt_late=True, received_at__gte=since).select_related(
        "receiver"
    ):
        yield Fact(
            key=f"manifest:{m.pk}",
            title=f"{m.number} · {m.receiver.name}",
            region_id=m.destination_region_id,
            organization_id=m.receiver_id,
            manifest_id=m.pk,
            subject=m,
        )


@rule(
    "manifest.discrepancy",
    title=_("Discrepancy or refusal at receipt"),
    regulation=_("令第23号 Art. 18 (reported to the receiving area's bureau)"),
    severity="orange",
    target=_("the receiving area's county bureau"),
    events=("manifest.discrepancy",),
)
def discrepancy(today: dt.date) -> Iterator[Fact]:
    since = timezone.now() - dt.timedelta(days=60)
    qs = Manifest.objects.filter(received_at__gte=since).filter(
        Q(has_discrepancy=True) | Q(outcome__in=("partly_refused", "refused"))
    )
    for m in qs.select_related("shipper"):
        yield Fact(
            key=f"manifest:{m.pk}",
            title=f"{m.number} · {m.shipper.name}",
            region_id=m.destination_region_id,
            organization_id=m.shipper_id,
            summary=m.refusal_reason[:300],
            evidence={"outcome": m.outcome, "discrepancy": m.has_discrepancy},
            manifest_id=m.pk,
            subject=m,
        )


@rule(
    "manifest.paper_late",
    title=_("Paper manifest entered after 10 working days"),
    regulation=_("令第23号 Art. 20"),
    severity="yellow",
    target=_("the origin's county bureau"),
)
def paper_late(today: dt.date) -> Iterator[Fact]:
    for m in Manifest.objects.filter(is_paper=True, paper_entered_late=True).select_related(
        "shipper"
    ):
        yield Fact(
            key=f"manifest:{m.pk}",
            title=f"{m.number} · {m.shipper.name}",
            region_id=m.origin_region_id,
            organization_id=m.shipper_id,
            evidence={
                "paper_number": m.paper_number,
                "transferred_on": str(m.paper_transferred_on),
            },
            manifest_id=m.pk,
            subject=m,
        )


# --- storage, plans, declarations, permits, approvals -------------------------------------------


def _storage(today: dt.date, over: bool) -> Iterator[Fact]:
    near = int(ledger_setting("LEDGER_STORAGE_NEAR_DAYS"))
    limit = int(ledger_setting("LEDGER_STORAGE_MAX_DAYS"))
    edge = today - dt.timedelta(days=limit if over else near)
    qs = Container.objects.filter(status=ContainerStatus.STORED, stored_since__date__lte=edge)
    if not over:
        qs = qs.filter(stored_since__date__gt=today - dt.timedelta(days=limit))
    for c in qs.select_related("site", "organization"):
        yield Fact(
            key=f"container:{c.pk}",
            title=f"{c} · {c.organization.name}",
            region_id=c.site.region_id,
            organization_id=c.organization_id,
            evidence={"stored_since": c.stored_since.isoformat() if c.stored_since else None},
            subject=c,
        )


@rule(
    "storage.over_year",
    title=_("Stored for over one year"),
    regulation=_("固废法 Art. 81"),
    severity="red",
    target=_("the site's county bureau"),
)
def storage_over_year(today: dt.date) -> Iterator[Fact]:
    return _storage(today, over=True)


@rule(
    "storage.near_year",
    title=_("Stored for close to one year"),
    regulation=_("固废法 Art. 81"),
    severity="yellow",
    target=_("the site's county bureau"),
)
def storage_near_year(today: dt.date) -> Iterator[Fact]:
    return _storage(today, over=False)


@rule(
    "storage.over_capacity",
    title=_("Storage facility over its capacity"),
    regulation=_("GB 18597-2023; HJ 1259 §5"),
    severity="orange",
    target=_("the site's county bureau"),
)
def storage_over_capacity(today: dt.date) -> Iterator[Fact]:
    loads = (
        Container.objects.filter(status=ContainerStatus.STORED, facility__kind=FacilityKind.STORAGE)
        .values("facility")
        .annotate(load=Sum("weight_tonnes"))
    )
    over = {r["facility"]: r["load"] for r in loads if r["load"]}
    for f in Facility.objects.filter(pk__in=over).select_related("site", "site__organization"):
        if over[f.pk] > f.capacity_tonnes:
            yield Fact(
                key=f"facility:{f.pk}:{today.isoformat()[:7]}",
                title=f"{f.code} {f.name} · {f.site.organization.name}",
                region_id=f.site.region_id,
                organization_id=f.site.organization_id,
                summary=f"{over[f.pk]:.4f} t / {f.capacity_tonnes} t",
                subject=f,
            )


@rule(
    "plan.overrun",
    title=_("Generation far above the management plan"),
    regulation=_("HJ 1259 §5.2"),
    severity="yellow",
    target=_("the site's county bureau"),
)
def plan_overrun(today: dt.date) -> Iterator[Fact]:
    from wufei.plans.declarations import overrun_factor

    factor = overrun_factor()
    produced = (
        Container.objects.filter(produced_on__year=today.year, plan_waste__isnull=False)
        .exclude(status=ContainerStatus.REVERSED)
        .values("plan_waste")
        .annotate(total=Sum("weight_tonnes"))
    )
    totals = {r["plan_waste"]: r["total"] or Decimal("0") for r in produced}
    lines = PlanWaste.objects.filter(pk__in=totals, annual_tonnes__gt=0).select_related(
        "plan__site", "plan__site__organization", "waste_code"
    )
    for line in lines:
        if totals[line.pk] > line.annual_tonnes * factor:
            site = line.plan.site
            yield Fact(
                key=f"planwaste:{line.pk}:{today.year}",
                title=f"{line.waste_code.code} · {site.organization.name}",
                region_id=site.region_id,
                organization_id=site.organization_id,
                summary=f"{totals[line.pk]:.4f} t / {line.annual_tonnes} t",
                subject=line,
            )


@rule(
    "declaration.overdue",
    title=_("Declaration not confirmed by its deadline"),
    regulation=_("HJ 1259 §7; 固废法 Art. 78"),
    severity="yellow",
    target=_("the site's county bureau"),
)
def declaration_overdue(today: dt.date) -> Iterator[Fact]:
    qs = Declaration.objects.filter(
        status=DeclarationStatus.GENERATED, is_current=True, deadline__lt=today
    ).select_related("site", "site__organization")
    for d in qs:
        yield Fact(
            key=f"declaration:{d.pk}",
            title=f"{d} · {d.site.organization.name}",
            region_id=d.site.region_id,
            organization_id=d.site.organization_id,
            summary=str(_("Deadline %(day)s.") % {"day": d.deadline}),
            subject=d,
        )


@rule(
    "permit.expiring",
    title=_("Operating permit expires within 90 days"),
    regulation=_("《危险废物经营许可证管理办法》Art. 12"),
    severity="yellow",
    target=_("the holder's county bureau"),
)
def permit_expiring(today: dt.date) -> Iterator[Fact]:
    soon = today + dt.timedelta(days=90)
    for p in Permit.objects.filter(
        status="valid", valid_until__gte=today, valid_until__lte=soon
    ).select_related("organization"):
        yield Fact(
            key=f"permit:{p.pk}:{p.valid_until.isoformat()}",
            title=f"{p.number} · {p.organization.name}",
            region_id=p.organization.region_id,
            organization_id=p.organization_id,
            summary=str(_("Valid until %(day)s.") % {"day": p.valid_until}),
            subject=p,
        )


@rule(
    "permit.exceeded",
    title=_("Permitted annual capacity exceeded"),
    regulation=_("《危险废物经营许可证管理办法》Art. 15"),
    severity="red",
    target=_("the holder's county bureau"),
)
def permit_exceeded(today: dt.date) -> Iterator[Fact]:
    for scope in PermitScope.objects.select_related("permit", "permit__organization"):
        codes = (
            Q(waste_code=scope.waste_code_id)
            if scope.waste_code_id
            else Q(waste_code__category=scope.category_id)
        )
        received = ManifestLine.objects.filter(
            codes,
            manifest__receiver_permit=scope.permit_id,
            manifest__received_at__year=today.year,
        ).aggregate(t=Sum(F("accepted_tonnes")))["t"] or Decimal("0")
        if received > scope.annual_capacity_tonnes:
            p = scope.permit
            yield Fact(
                key=f"scope:{scope.pk}:{today.year}",
                title=f"{p.number} · {p.organization.name}",
                region_id=p.organization.region_id,
                organization_id=p.organization_id,
                summary=f"{received:.4f} t / {scope.annual_capacity_tonnes} t",
                subject=scope,
            )


@rule(
    "approval.step_overdue",
    title=_("Cross-province approval step overdue"),
    regulation=_("令第23号 Art. 23–25"),
    severity="yellow",
    target=_("the origin province's bureau"),
)
def approval_step_overdue(today: dt.date) -> Iterator[Fact]:
    for step in overdue_steps(today):
        a = step.approval
        region = a.destination_region_id if step.kind == "reply" else a.origin_region_id
        yield Fact(
            key=f"approvalstep:{step.pk}",
            title=f"{step.get_kind_display()} · {a}",
            region_id=region,
            organization_id=a.applicant_id,
            summary=str(_("Due %(day)s.") % {"day": step.due_on}),
            subject=a,
        )


def get(code: str) -> Rule:
    return REGISTRY[code]
