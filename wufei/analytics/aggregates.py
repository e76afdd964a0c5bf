"""Running aggregates (汇总) of the platform's records, and the dashboard reads over them.

The aggregates (:class:`DailyFlow`, :class:`MonthlyFlow`, :class:`ProducerYear`) are written
only by the fold (``analytics.folding``: ``fold()`` every 5 minutes, ``rebuild()`` on demand);
this module holds the region helpers, the one definition of landfill
(:data:`LANDFILL_METHODS`) and the reads the dashboards and indicators use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum

from .models import Flow, MonthlyFlow, ProducerYear

#: 填埋: the method codes counted as landfill (data/treatment_methods.csv: D1 填埋). The
#: indicator "危险废物填埋处置量占比" and every ``landfilled_t`` use this set, nothing else.
LANDFILL_METHODS: frozenset[str] = frozenset({"D1"})
#: Method kinds (catalog TreatmentMethod.kind) counted as utilisation; every other is disposal.
UTILISATION_KIND = "utilisation"


# --- regions ---------------------------------------------------------------------------------


def normalise(region_code: str) -> str:
    """``33`` / ``3306`` / ``330603`` / ``330600`` → the 6-digit code."""
    code = str(region_code).strip()
    if not code.isdigit() or len(code) not in (2, 4, 6):
        raise ValueError(f"not a region code: {region_code!r}")
    return code.ljust(6, "0")


def level_of(region_code: str) -> str:
    code = normalise(region_code)
    if code[2:] == "0000":
        return "province"
    return "city" if code[4:] == "00" else "county"


def column_for(region_code: str) -> str:
    """The aggregate column that holds the region's code at its level."""
    return {"province": "province_code", "city": "city_code", "county": "county_code"}[
        level_of(region_code)
    ]


def codes_of(county: str) -> tuple[str, str, str]:
    county = normalise(county)
    return county, county[:4] + "00", county[:2] + "0000"


def period(year: int, month: int | None = None) -> tuple[dt.date, dt.date]:
    """[start, end) of a year or a month."""
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return dt.date(year, month, 1), end


def method_codes(kind: str = UTILISATION_KIND) -> list[str]:
    from wufei.catalog.models import TreatmentMethod

    return list(TreatmentMethod.objects.filter(kind=kind).values_list("code", flat=True))


# --- folding (analytics.folding) ------------------------------------------------------------


def fold(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Fold new ledger entries and receipts (see ``analytics.folding.fold``)."""
    from . import folding

    return folding.fold(now=now)


def rebuild(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Drop the aggregates and fold everything again (see ``analytics.folding.rebuild``)."""
    from . import folding

    return folding.rebuild(now=now)


# --- reads -----------------------------------------------------------------------------------


def flows(region_code: str, year: int, month: int | None = None):
    """MonthlyFlow rows of the region and period (the base of every dashboard read)."""
    start, end = period(year, month)
    return MonthlyFlow.objects.filter(
        **{column_for(region_code): normalise(region_code)}, month__gte=start, month__lt=end
    )


def sums(utilisation: list[str]) -> dict[str, Any]:
    """Conditional sums: generated, utilised, disposed, landfilled, sent out, received."""
    treated = Q(flow__in=(Flow.UTILISED_ON_SITE, Flow.DISPOSED_ON_SITE, Flow.SENT_TREATED))
    utilised = Q(flow=Flow.UTILISED_ON_SITE) | Q(flow=Flow.SENT_TREATED, method__in=utilisation)
    return {
        "generated_t": Sum("tonnes", filter=Q(flow=Flow.GENERATED)),
        "utilised_t": Sum("tonnes", filter=utilised),
        "disposed_t": Sum("tonnes", filter=treated & ~utilised),
        "landfilled_t": Sum("tonnes", filter=treated & Q(method__in=LANDFILL_METHODS)),
        "sent_out_t": Sum("tonnes", filter=Q(flow=Flow.SENT_OUT)),
        "received_t": Sum("tonnes", filter=Q(flow=Flow.RECEIVED)),
        "transfers": Sum("manifests", filter=Q(flow=Flow.SENT_TREATED)),
    }


def _f(v: Any) -> float:
    return float(v or 0)


def composition(region_code: str, year: int) -> list[dict[str, Any]]:
    """Tonnes per category (HW08, SW01…) of the region's year, largest generation first."""
    from wufei.catalog.models import GeneralWasteCategory, WasteCategory

    s = sums(method_codes())
    rows = (
        flows(region_code, year)
        .values("category", "hazardous")
        .annotate(**{k: v for k, v in s.items() if k.endswith("_t")})
    )
    names = dict(WasteCategory.objects.values_list("code", "name"))
    names.update(GeneralWasteCategory.objects.values_list("code_2021", "name"))
    out = [
        {
            "category": r["category"],
            "name": names.get(r["category"], r["category"]),
            "hazardous": r["hazardous"],
            **{k: _f(r[k]) for k in ("generated_t", "utilised_t", "disposed_t", "landfilled_t")},
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["generated_t"], r["category"]))


def top_producers(region_code: str, year: int, n: int = 10) -> list[dict[str, Any]]:
    """The region's largest hazardous-waste producers of the year (from ProducerYear)."""
    qs = (
        ProducerYear.objects.filter(**{column_for(region_code): normalise(region_code)}, year=year)
        .filter(Q(hw_generated_t__gt=0) | Q(gw_generated_t__gt=0) | Q(hw_shipments__gt=0))
        .order_by("-hw_generated_t", "-gw_generated_t", "organization_id")
        .values(
            "organization_id",
            "organization__name",
            "county_code",
            "hw_generated_t",
            "gw_generated_t",
            "hw_shipments",
            "shipments_off_manifest",
            "has_filed_plan",
        )[:n]
    )
    return [
        {
            "organization_id": r["organization_id"],
            "name": r["organization__name"],
            "region_code": r["county_code"],
            "hazardous_t": _f(r["hw_generated_t"]),
            "general_t": _f(r["gw_generated_t"]),
            "shipments": r["hw_shipments"],
            "shipments_off_manifest": r["shipments_off_manifest"],
            "has_filed_plan": r["has_filed_plan"],
        }
        for r in qs
    ]


def by_child_region(region_code: str, year: int) -> list[dict[str, Any]]:
    """One row per child region (cities of a province, counties of a city): tonnes and the
    seven indicator values. A county has no children: an empty list."""
    from wufei.catalog.models import Region

    from . import indicators

    children = list(
        Region.objects.filter(parent__code=normalise(region_code)).values_list("code", "name")
    )
    if not children:
        return []
    facts = indicators.gather([c for c, _ in children], year)
    out = []
    for code, name in children:
        f = facts[code]
        values = indicators.evaluate(f, year)
        out.append(
            {
                "region_code": code,
                "name": name,
                "generated_t": f.hw["generated_t"] + f.gw["generated_t"],
                "hazardous_t": f.hw["generated_t"],
                "general_t": f.gw["generated_t"],
                "utilised_t": f.hw["utilised_t"] + f.gw["utilised_t"],
                "disposed_t": f.hw["disposed_t"] + f.gw["disposed_t"],
                "landfilled_t": f.hw["landfilled_t"] + f.gw["landfilled_t"],
                "transfers": f.transfers,
                "indicators": {v.code: v.value for v in values},
                "status": {v.code: v.status for v in values},
            }
        )
    return out


def grouped_totals(
    codes: list[str], year: int, month: int | None = None
) -> dict[str, dict[bool, dict[str, float]]]:
    """{region code: {hazardous?: totals}} for regions of one level, in one query."""
    if not codes:
        return {}
    col = column_for(codes[0])
    start, end = period(year, month)
    norm = [normalise(c) for c in codes]
    rows = (
        MonthlyFlow.objects.filter(**{f"{col}__in": norm}, month__gte=start, month__lt=end)
        .values(col, "hazardous")
        .annotate(**sums(method_codes()), n=Count("id"))
    )
    empty = dict.fromkeys(sums([]), 0.0) | {"rows": 0}
    out: dict[str, dict[bool, dict[str, float]]] = {
        c: {True: dict(empty), False: dict(empty)} for c in norm
    }
    for r in rows:
        out[r[col]][r["hazardous"]] = {k: _f(r[k]) for k in sums([])} | {"rows": r["n"]}
    return out
