"""Read helpers for declarations (申报, HJ 1259 §7).

- :func:`declarations`: the list, from ``restrict(user, "view")``, with the page's filters;
- :func:`overdue_declarations`: what the county bureau is told about — current declarations
  still unconfirmed after their deadline, in a region subtree;
- :func:`plan_overruns`: generation far above the management plan's estimate (plan vs actual);
- :func:`is_stale`: has the ledger changed since a declaration's figures were generated?
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.utils import timezone

from . import declarations as d
from .declarations_models import Declaration, DeclarationLine, DeclarationStatus, LineSection


def overdue_filter(today: dt.date) -> Q:
    """Current declarations not confirmed by their deadline (``Declaration.overdue_on``)."""
    return Q(status=DeclarationStatus.GENERATED, is_current=True, deadline__lt=today)


def declarations(
    user: Any,
    *,
    q: str = "",
    period_kind: str = "",
    year: str = "",
    period: str = "",
    status: str = "",
    overdue: str = "",
    region: str = "",
    current: str = "",
) -> QuerySet[Declaration]:
    qs = Declaration.objects.restrict(user, "view").select_related(
        "site", "site__organization", "site__region"
    )
    if q:
        qs = qs.filter(
            Q(site__name__icontains=q)
            | Q(site__organization__name__icontains=q)
            | Q(site__organization__uscc__icontains=q.upper())
        )
    if period_kind in d.PeriodKind.values:
        qs = qs.filter(period_kind=period_kind)
    if str(year).isdigit():
        qs = qs.filter(year=int(year))
    if period:
        found = next(
            (p for k in d.PeriodKind.values if (p := d.parse_period(k, period)) is not None), None
        )
        qs = (
            qs.filter(period_kind=found.kind, year=found.year, number=found.number)
            if found
            else qs.none()
        )
    if status in DeclarationStatus.values:
        qs = qs.filter(status=status)
    today = timezone.localdate()
    if overdue == "1":
        qs = qs.filter(overdue_filter(today))
    elif overdue == "late":
        qs = qs.filter(overdue_filter(today) | Q(is_late=True))
    elif overdue == "0":
        qs = qs.exclude(overdue_filter(today))
    if current in ("1", "0"):
        qs = qs.filter(is_current=current == "1")
    if region:
        from wufei.catalog.models import Region

        found_region = Region.objects.filter(code=region.strip()).first()
        prefix = found_region.prefix if found_region else region.strip()
        qs = qs.filter(site__region__prefix__startswith=prefix)
    return qs.order_by("-year", "-number", "site__organization__name", "site__name", "-revision")


def overdue_declarations(
    region_prefix: str = "", today: dt.date | None = None
) -> QuerySet[Declaration]:
    """Current declarations still unconfirmed after their deadline in the region subtree
    ``region_prefix`` (``"3306"``: a city; ``""``: everywhere), most overdue first. Not
    restricted: the regulator pages apply ``restrict`` (``declarations(user, overdue="1")``)."""
    qs = Declaration.objects.filter(overdue_filter(today or timezone.localdate()))
    if region_prefix:
        qs = qs.filter(site__region__prefix__startswith=region_prefix)
    return qs.select_related("site", "site__organization", "site__region").order_by(
        "deadline", "site__organization__name"
    )


@dataclass(frozen=True)
class Overrun:
    """A generation far above the plan: ``reason`` is ``period`` (the period's generation is
    over ``factor`` × the annual estimate pro-rated), ``year`` (the year's generation to the
    period's end is over the estimate) or ``unplanned`` (no estimate in the filed plan)."""

    declaration: Declaration
    waste_code: str
    generated: Decimal
    year_to_date: Decimal
    plan_tonnes: Decimal | None
    threshold: Decimal | None
    reasons: tuple[str, ...]


def _share() -> Case:
    return Case(
        *[When(declaration__period_kind=k, then=Value(v)) for k, v in d.YEAR_SHARE.items()],
        output_field=DecimalField(max_digits=20, decimal_places=10),
    )


def plan_overruns(
    user: Any = None,
    *,
    year: int | None = None,
    region_prefix: str = "",
    declaration: Declaration | None = None,
    factor: Decimal | None = None,
) -> list[Overrun]:
    """Generation lines of current declarations (or of ``declaration``) far above the plan.

    With ``user`` the declarations are those the user may see; without, all (for jobs).
    """
    factor = d.overrun_factor() if factor is None else Decimal(str(factor))
    lines = DeclarationLine.objects.filter(section=LineSection.GENERATION, tonnes__gt=0)
    if declaration is not None:
        lines = lines.filter(declaration=declaration)
    else:
        lines = lines.filter(declaration__is_current=True)
    if user is not None:
        lines = lines.filter(declaration__in=Declaration.objects.restrict(user, "view"))
    if year is not None:
        lines = lines.filter(declaration__year=year)
    if region_prefix:
        lines = lines.filter(declaration__site__region__prefix__startswith=region_prefix)
    lines = lines.annotate(
        threshold=ExpressionWrapper(
            F("plan_tonnes") * _share() * Value(factor),
            output_field=DecimalField(max_digits=24, decimal_places=10),
        )
    ).filter(
        Q(plan_tonnes__isnull=True)
        | Q(tonnes__gt=F("threshold"))
        | Q(year_to_date_tonnes__gt=F("plan_tonnes"))
    )
    out: list[Overrun] = []
    rows = lines.select_related("declaration", "declaration__site__organization").order_by(
        "-declaration__year", "-declaration__number", "declaration__site_id", "waste_code"
    )
    for line in rows:
        plan = line.plan_tonnes
        ytd = line.year_to_date_tonnes if line.year_to_date_tonnes is not None else line.tonnes
        share = d.YEAR_SHARE[line.declaration.period_kind]
        threshold = None if plan is None else (plan * share * factor).quantize(Decimal("0.0001"))
        reasons: list[str] = []
        if plan is None:
            reasons.append("unplanned")
        else:
            if threshold is not None and line.tonnes > threshold:
                reasons.append("period")
            if ytd > plan:
                reasons.append("year")
        if reasons:
            out.append(
                Overrun(
                    line.declaration,
                    line.waste_code,
                    line.tonnes,
                    ytd,
                    plan,
                    threshold,
                    tuple(reasons),
                )
            )
    return out


def is_stale(declaration: Declaration) -> bool | None:
    """True when the ledger's figures for the period differ from the declaration's now
    (an entry recorded or reversed since); ``None`` when no ledger is connected."""
    from .actions.declarations import build_lines, lines_digest

    try:
        return lines_digest(build_lines(declaration.site, declaration.period)) != declaration.digest
    except d.LedgerUnavailable:
        return None


def sections(declaration: Declaration) -> dict[str, list[DeclarationLine]]:
    """The lines by section, in table order."""
    out: dict[str, list[DeclarationLine]] = {s: [] for s in LineSection.values}
    for line in declaration.lines.order_by("waste_code", "method_code", "receiver_name", "pk"):
        out[line.section].append(line)
    return out
