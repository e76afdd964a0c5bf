"""Read helpers for the ledger: lists (from ``restrict(user, "view")``), the inventory of
storage facilities, the storage warnings and the declaration totals the plans app asks for.

Warnings are computed from the containers and entries each time (the province-wide warning
loop of a later issue will subscribe to the same function, :func:`storage_warnings`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wufei.labels.ident import IdentCodeError, parse_ident_code
from wufei.registry.models import Facility, FacilityKind, Organization

from . import rules
from .models import (
    Container,
    ContainerStatus,
    EntryKind,
    LedgerEntry,
    ReadingOutcome,
    ScaleReading,
    WasteKind,
)

ZERO = Decimal("0")


def containers(
    user: Any, *, q: str = "", status: str = "", kind: str = "", day: str = "", site: str = ""
) -> QuerySet[Container]:
    qs = Container.objects.restrict(user, "view").select_related(
        "organization", "site", "waste_code", "waste_code__category", "general_category", "facility"
    )
    if q:
        qs = qs.filter(
            Q(ident_code__icontains=q.strip().upper())
            | Q(internal_name__icontains=q)
            | Q(waste_code__code__icontains=q)
            | Q(organization__name__icontains=q)
        )
    if status in ContainerStatus.values:
        qs = qs.filter(status=status)
    if kind in WasteKind.values:
        qs = qs.filter(kind=kind)
    if day:
        try:
            qs = qs.filter(produced_on=dt.date.fromisoformat(day))
        except ValueError:
            qs = qs.none()
    if str(site).isdigit():
        qs = qs.filter(site_id=int(site))
    return qs.order_by("-produced_on", "-pk")


def todays_containers(user: Any) -> QuerySet[Container]:
    """The containers the user's organisations produced today (the producer's day page)."""
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return containers(user).filter(Q(produced_on=today) | Q(created_at__gte=start))


def entries(
    user: Any,
    *,
    q: str = "",
    kind: str = "",
    date_from: str = "",
    date_to: str = "",
    waste_kind: str = "",
) -> QuerySet[LedgerEntry]:
    qs = LedgerEntry.objects.restrict(user, "view").select_related(
        "organization",
        "container",
        "container__waste_code",
        "container__waste_code__category",
        "container__general_category",
        "facility",
        "method",
        "reversal_of",
    )
    if q:
        text = q.strip().upper()
        qs = qs.filter(
            Q(batch_number__icontains=text)
            | Q(container__ident_code__icontains=text)
            | Q(container__waste_code__code__icontains=q.strip())
            | Q(organization__name__icontains=q.strip())
        )
    if kind in EntryKind.values:
        qs = qs.filter(kind=kind)
    if waste_kind in WasteKind.values:
        qs = qs.filter(container__kind=waste_kind)
    for value, lookup in ((date_from, "at__gte"), (date_to, "at__lt")):
        if not value:
            continue
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return qs.none()
        if lookup == "at__lt":
            day += dt.timedelta(days=1)
        qs = qs.filter(**{lookup: timezone.make_aware(dt.datetime.combine(day, dt.time.min))})
    return qs.order_by("-at", "-pk")


def age_days(since: dt.datetime | None, today: dt.date | None = None) -> int | None:
    """Whole days in storage, counted in Shanghai dates (stored today = 0)."""
    if since is None:
        return None
    today = today or timezone.localdate()
    return (today - timezone.localdate(since)).days


@dataclass
class InventoryLine:
    """One waste code in one storage facility: the containers there now."""

    code: str
    name: str
    containers: list[Container] = field(default_factory=list)
    tonnes: Decimal = ZERO
    oldest_days: int = 0


@dataclass
class FacilityInventory:
    facility: Facility
    lines: list[InventoryLine]
    tonnes: Decimal
    count: int

    @property
    def load_percent(self) -> Decimal | None:
        if not self.facility.capacity_tonnes:
            return None
        return (self.tonnes * 100 / self.facility.capacity_tonnes).quantize(Decimal("0.1"))

    @property
    def over_capacity(self) -> bool:
        return self.tonnes > self.facility.capacity_tonnes


def storage_facilities(user: Any) -> QuerySet[Facility]:
    return (
        Facility.objects.restrict(user, "view")
        .filter(kind=FacilityKind.STORAGE)
        .select_related("site", "site__organization")
        .order_by("site__organization__name", "site__name", "code")
    )


def inventory(facility: Facility) -> FacilityInventory:
    """What is in ``facility`` now, by waste code, with each container's age in days."""
    today = timezone.localdate()
    stored = (
        Container.objects.filter(facility=facility, status=ContainerStatus.STORED)
        .select_related("waste_code", "waste_code__category", "general_category")
        .order_by("stored_since", "pk")
    )
    lines: dict[str, InventoryLine] = {}
    total, count = ZERO, 0
    for c in stored:
        c.age_days = age_days(c.stored_since, today)  # type: ignore[attr-defined]
        line = lines.setdefault(c.code_text, InventoryLine(c.code_text, c.catalogue_name))
        line.containers.append(c)
        line.tonnes += c.weight_tonnes or ZERO
        line.oldest_days = max(line.oldest_days, c.age_days or 0)  # type: ignore[attr-defined]
        total += c.weight_tonnes or ZERO
        count += 1
    return FacilityInventory(facility, sorted(lines.values(), key=lambda x: x.code), total, count)


RULE_LABELS = {
    "storage_near_year": gettext_lazy("Close to one year in storage"),
    "storage_over_year": gettext_lazy("Over one year in storage"),
    "over_capacity": gettext_lazy("Over capacity"),
    "weight_mismatch": gettext_lazy("Weight differs from the label"),
    "code_mismatch": gettext_lazy("Code does not match"),
}


@dataclass(frozen=True)
class StorageWarning:
    """A warning about storage: ``rule`` is ``storage_near_year``, ``storage_over_year``,
    ``over_capacity``, ``weight_mismatch`` or ``code_mismatch``; ``severity`` red/orange/yellow."""

    rule: str
    severity: str
    message: str
    facility: Facility | None = None
    container: Container | None = None
    days: int | None = None

    @property
    def label(self) -> str:
        return str(RULE_LABELS.get(self.rule, self.rule))


def _code_matches(c: Container) -> bool:
    if not c.ident_code or c.kind != WasteKind.HAZARDOUS or c.waste_code is None:
        return True
    try:
        parts = parse_ident_code(c.ident_code)
    except IdentCodeError:
        return False
    return (
        parts.uscc == c.organization.uscc
        and parts.waste_code == c.waste_code.code
        and parts.produced_on == c.produced_on
    )


def storage_warnings(target: Organization | Facility) -> list[StorageWarning]:
    """The storage warnings of an organisation (all its storage facilities) or one facility:
    stored ≥ ``LEDGER_STORAGE_NEAR_DAYS`` (yellow) / ≥ ``LEDGER_STORAGE_MAX_DAYS`` (red,
    固废法 Art. 81), facility over capacity (red), a check weighing that differs from the
    label by more than the tolerance (orange), a code that does not match its container (red).
    """
    if isinstance(target, Facility):
        facilities = [target]
    else:
        facilities = list(
            Facility.objects.filter(site__organization=target, kind=FacilityKind.STORAGE)
        )
    near = int(rules.setting("LEDGER_STORAGE_NEAR_DAYS"))
    limit = int(rules.setting("LEDGER_STORAGE_MAX_DAYS"))
    today = timezone.localdate()
    out: list[StorageWarning] = []
    stored = list(
        Container.objects.filter(facility__in=facilities, status=ContainerStatus.STORED)
        .select_related("organization", "waste_code", "facility")
        .order_by("stored_since", "pk")
    )
    checks: dict[int, ScaleReading] = {}
    for r in ScaleReading.objects.filter(
        container__in=stored, outcome=ReadingOutcome.CHECKED
    ).order_by("received_at", "pk"):
        checks[r.container_id] = r  # the latest check weighing of each container
    load: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for c in stored:
        assert c.facility is not None
        load[c.facility_id] += c.weight_tonnes or ZERO  # type: ignore[index]
        days = age_days(c.stored_since, today) or 0
        if days >= near:
            over = days >= limit
            out.append(
                StorageWarning(
                    "storage_over_year" if over else "storage_near_year",
                    "red" if over else "yellow",
                    (
                        _("%(code)s has been in storage for %(days)d days, over one year.")
                        if over
                        else _("%(code)s has been in storage for %(days)d days, close to one year.")
                    )
                    % {"code": c, "days": days},
                    c.facility,
                    c,
                    days,
                )
            )
        reading = checks.get(c.pk)
        if reading is not None and c.weight_tonnes is not None:
            diff = reading.weight_tonnes - c.weight_tonnes
            if abs(diff) > rules.weight_tolerance(c.weight_tonnes):
                out.append(
                    StorageWarning(
                        "weight_mismatch",
                        "orange",
                        _(
                            "%(code)s weighed %(read)s t on scale %(scale)s; its label says %(label)s t."
                        )
                        % {
                            "code": c,
                            "read": reading.weight_tonnes,
                            "scale": reading.device.device_id,
                            "label": c.weight_tonnes,
                        },
                        c.facility,
                        c,
                    )
                )
        if not _code_matches(c):
            out.append(
                StorageWarning(
                    "code_mismatch",
                    "red",
                    _("The code %(code)s does not match the container's producer, waste or date.")
                    % {"code": c.ident_code},
                    c.facility,
                    c,
                )
            )
    for f in facilities:
        if load[f.pk] > f.capacity_tonnes:
            out.append(
                StorageWarning(
                    "over_capacity",
                    "red",
                    _(
                        "Storage facility %(code)s holds %(load)s t, over its capacity of %(capacity)s t."
                    )
                    % {"code": f.code, "load": f"{load[f.pk]:.4f}", "capacity": f.capacity_tonnes},
                    f,
                )
            )
    order = {"red": 0, "orange": 1, "yellow": 2}
    return sorted(out, key=lambda w: (order[w.severity], -(w.days or 0)))


def container_by_code(user: Any, ident_code: str) -> Container | None:
    return (
        Container.objects.restrict(user, "view")
        .select_related(
            "organization", "site", "site__region", "waste_code", "waste_code__category", "facility"
        )
        .filter(ident_code=str(ident_code or "").strip().upper())
        .first()
    )


def timeline(container: Container) -> QuerySet[LedgerEntry]:
    return container.entries.select_related(
        "facility", "method", "reversal_of", "recorded_by"
    ).order_by("at", "pk")
