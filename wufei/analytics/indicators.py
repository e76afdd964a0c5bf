"""The plan's seven indicators (规划指标), per region and period. Definitions: docs/indicators.md.

``compute(region_code, year, month=None)`` gathers the facts of the region and period
(:class:`Facts`: the aggregates of ``aggregates``, the official statistics, the producers'
coverage, warnings and dumping counts) and evaluates each indicator from them
(:func:`evaluate`, pure: the formula tests call it on hand-made facts). A value is ``None``
when its data are missing (status ``"none"``); ``sources`` says what it was computed from.
Official statistics (annual) override the platform's own totals where the definition says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from . import aggregates as agg
from .models import ProducerYear, RegionStatistics

CODES = (
    "intensity",
    "general_utilisation_rate",
    "hw_landfill_share",
    "full_process_coverage",
    "zero_waste_index",
    "illegal_dumping_rate",
    "rectification_rate",
)
LONG_STOP_RULE = "track.long_stop"  # supervision rule: suspected dumping (long stop off-site)


@dataclass(frozen=True)
class Definition:
    code: str
    name: Any
    unit: str
    target_2027: float
    target_2030: float
    higher_is_better: bool
    strict: bool  # ">" / "<" rather than "≥" / "≤"
    amber: float  # the bound of the amber band (worse than the target, better than this)
    decimals: int
    weight: int  # in the 无废指数 industrial sub-index (0 = not a component)


DEFINITIONS: dict[str, Definition] = {
    d.code: d
    for d in (
        Definition("intensity", _l("Industrial solid-waste generation intensity (工业固体废物产生强度)"), "t/万元", 0.2, 0.2, False, False, 0.22, 3, 20),
        Definition("general_utilisation_rate", _l("General industrial solid-waste utilisation rate (一般工业固体废物综合利用率)"), "%", 98.0, 98.0, True, True, 95.0, 1, 20),
        Definition("hw_landfill_share", _l("Share of hazardous waste landfilled (危险废物填埋处置量占比)"), "%", 5.0, 5.0, False, False, 10.0, 1, 15),
        Definition("full_process_coverage", _l("Full-process information coverage of hazardous-waste units (危险废物全过程信息化监管覆盖率)"), "%", 100.0, 100.0, True, False, 90.0, 1, 15),
        Definition("zero_waste_index", _l("Zero-waste index, industrial sub-index (无废指数工业分指数)"), "", 88.0, 90.0, True, False, 80.0, 1, 0),
        Definition("illegal_dumping_rate", _l("Illegal dumping rate (非法倾倒发生率)"), "%", 5.0, 5.0, False, True, 10.0, 2, 15),
        Definition("rectification_rate", _l("Hidden-danger rectification rate (隐患整改率)"), "%", 98.0, 98.0, True, True, 90.0, 1, 15),
    )
}  # fmt: skip


@dataclass
class IndicatorValue:
    code: str
    name: str
    unit: str
    value: float | None
    target_2027: float
    target_2030: float
    status: str  # green / amber / red / none
    sources: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Facts:
    """Everything the indicators of one region and period are computed from."""

    region_code: str
    year: int
    month: int | None = None
    hw: dict[str, float] = field(default_factory=dict)  # aggregates, hazardous
    gw: dict[str, float] = field(default_factory=dict)  # aggregates, general
    transfers: int = 0
    stats: RegionStatistics | None = None
    producers_registered: int = 0
    producers_covered: int = 0
    warnings_closed: int = 0
    warnings_overdue: int = 0
    dumping_confirmed: int = 0


def status_of(d: Definition, value: float | None, year: int) -> str:
    if value is None:
        return "none"
    target = d.target_2027 if year <= 2027 else d.target_2030
    if d.higher_is_better:
        meets = value > target if d.strict else value >= target
        return "green" if meets else ("amber" if value >= d.amber else "red")
    meets = value < target if d.strict else value <= target
    return "green" if meets else ("amber" if value <= d.amber else "red")


def _num(v: Decimal | None) -> float | None:
    return None if v is None else float(v)


def _value(code: str, value: float | None, year: int, sources: list[str], **detail: Any):
    d = DEFINITIONS[code]
    v = None if value is None else round(value, d.decimals)
    return IndicatorValue(
        code=code,
        name=str(d.name),
        unit=d.unit,
        value=v,
        target_2027=d.target_2027,
        target_2030=d.target_2030,
        status=status_of(d, v, year),
        sources="；".join(sources) if sources else _("no data"),
        detail=detail,
    )


def _stat(f: Facts, name: str) -> float | None:
    """An official statistic of the year (statistics are annual: not used for a month)."""
    if f.stats is None or f.month is not None:
        return None
    return _num(getattr(f.stats, name))


def _intensity(f: Facts) -> IndicatorValue:
    va = _num(f.stats.industrial_value_added) if f.stats is not None else None
    if va is not None and f.month is not None:
        va = va / 12  # a month: one twelfth of the year's value added
    parts, sources = [], []
    for stat, totals, official_text, platform_text in (
        (
            "general_generated_t",
            f.gw,
            _("official statistics: general generation"),
            _("platform: general generation in the ledger"),
        ),
        (
            "hazardous_generated_t",
            f.hw,
            _("official statistics: hazardous generation"),
            _("platform: hazardous generation in the ledger"),
        ),
    ):
        official = _stat(f, stat)
        if official is not None:
            parts.append(official)
            sources.append(official_text)
        elif totals.get("rows"):
            parts.append(totals["generated_t"])
            sources.append(platform_text)
    value = None
    if va and parts:
        value = sum(parts) / va
        sources.append(_("official statistics: industrial value added"))
    return _value(
        "intensity",
        value,
        f.year,
        sources,
        generated_t=sum(parts) if parts else None,
        industrial_value_added=va,
    )


def _utilisation(f: Facts) -> IndicatorValue:
    gen, util = _stat(f, "general_generated_t"), _stat(f, "general_utilised_t")
    if gen and util is not None:
        sources = [_("official statistics: general utilisation and generation")]
    else:
        gen, util = f.gw.get("generated_t", 0.0), f.gw.get("utilised_t", 0.0)
        sources = [_("platform: ledger generation, own utilisation and receipts")] if gen else []
    value = util / gen * 100 if gen else None
    return _value(
        "general_utilisation_rate", value, f.year, sources, generated_t=gen, utilised_t=util
    )


def _landfill(f: Facts) -> IndicatorValue:
    landfilled = _stat(f, "hazardous_landfilled_t")
    u, d = _stat(f, "hazardous_utilised_t"), _stat(f, "hazardous_disposed_t")
    if landfilled is not None and u is not None and d is not None and u + d > 0:
        treated = u + d
        sources = [_("official statistics: hazardous landfilled, utilised and disposed")]
    else:
        landfilled = f.hw.get("landfilled_t", 0.0)
        treated = f.hw.get("utilised_t", 0.0) + f.hw.get("disposed_t", 0.0)
        sources = (
            [_("platform: receipts and own treatment with method codes (D1)")] if treated else []
        )
    value = landfilled / treated * 100 if treated else None
    return _value(
        "hw_landfill_share", value, f.year, sources, landfilled_t=landfilled, treated_t=treated
    )


def _coverage(f: Facts) -> IndicatorValue:
    n, covered = f.producers_registered, f.producers_covered
    value = covered / n * 100 if n else None
    sources = [_("platform: registered producers, filed plans, ledger, e-manifests")] if n else []
    return _value("full_process_coverage", value, f.year, sources, registered=n, covered=covered)


def _dumping(f: Facts) -> IndicatorValue:
    value = f.dumping_confirmed / f.transfers * 100 if f.transfers else None
    sources = [_("platform: confirmed long-stop warnings and dumping cases / received manifests")]
    return _value(
        "illegal_dumping_rate",
        value,
        f.year,
        sources if f.transfers else [],
        confirmed=f.dumping_confirmed,
        transfers=f.transfers,
    )


def _rectification(f: Facts) -> IndicatorValue:
    closed, overdue = f.warnings_closed, f.warnings_overdue
    value = closed / (closed + overdue) * 100 if closed + overdue else None
    sources = [_("platform: warnings closed and overdue")] if closed + overdue else []
    return _value("rectification_rate", value, f.year, sources, closed=closed, overdue_open=overdue)


def score(code: str, value: float | None) -> float | None:
    """A component's score 0–100 in the sub-index: how far it reaches its 2030 target."""
    if value is None:
        return None
    d = DEFINITIONS[code]
    t = d.target_2030
    if d.higher_is_better:
        return 100.0 * min(1.0, value / t) if t else 100.0
    return 100.0 if value <= t else 100.0 * t / value


def _index(f: Facts, parts: list[IndicatorValue]) -> IndicatorValue:
    components, weight, total = {}, 0, 0.0
    for v in parts:
        w = DEFINITIONS[v.code].weight
        s = score(v.code, v.value)
        components[v.code] = {"value": v.value, "score": s, "weight": w}
        if s is not None:
            weight += w
            total += w * s
    value = total / weight if weight >= 50 else None
    load = _stat(f, "facility_load_rate")
    if load is None:
        cap, received = _stat(f, "hw_capacity_t"), f.hw.get("received_t", 0.0)
        load = received / cap * 100 if cap else None
    sources = [_("weighted scores of the six other indicators")] if value is not None else []
    return _value(
        "zero_waste_index",
        value,
        f.year,
        sources,
        components=components,
        weight_available=weight,
        facility_load_rate=None if load is None else round(load, 1),
    )


def evaluate(f: Facts, year: int | None = None) -> list[IndicatorValue]:
    """The seven values from the facts, in the plan's order."""
    year = year or f.year
    f.year = year
    parts = [_intensity(f), _utilisation(f), _landfill(f), _coverage(f)]
    tail = [_dumping(f), _rectification(f)]
    return [*parts, _index(f, parts + tail), *tail]


# --- gathering facts ---------------------------------------------------------------------------


def _prefix(code: str) -> str:
    from wufei.catalog.models import Region

    c = agg.normalise(code)
    return Region.prefix_of(c, agg.level_of(c))


def _by_prefix(rows: list[tuple[str, int]], prefixes: dict[str, str]) -> dict[str, int]:
    out = dict.fromkeys(prefixes, 0)
    for region_code, n in rows:
        for code, p in prefixes.items():
            if region_code and region_code.startswith(p):
                out[code] += n
    return out


def _common(prefixes: list[str]) -> str:
    p = prefixes[0]
    for q in prefixes[1:]:
        while not q.startswith(p):
            p = p[:-1]
    return p


def _producer_counts(norm: list[str], year: int) -> dict[str, tuple[int, int]]:
    """{region: (producers registered, producers covered)} — yearly rows, so a month's
    figures are the year's (and a trend reads them once)."""
    col = agg.column_for(norm[0])
    covered = Q(registered=True, has_filed_plan=True, hw_entries__gt=0, shipments_off_manifest=0)
    return {
        r[col]: (r["n"], r["ok"])
        for r in ProducerYear.objects.filter(**{f"{col}__in": norm}, year=year)
        .values(col)
        .annotate(n=Count("id", filter=Q(registered=True)), ok=Count("id", filter=covered))
    }


def gather(
    codes: list[str],
    year: int,
    month: int | None = None,
    *,
    producers: dict[str, tuple[int, int]] | None = None,
) -> dict[str, Facts]:
    """Facts for several regions of one level at once (a handful of grouped queries)."""
    from wufei.supervision.models import Case, Warning, WarningStatus

    norm = [agg.normalise(c) for c in codes]
    facts = {c: Facts(region_code=c, year=year, month=month) for c in norm}
    if not norm:
        return facts
    totals = agg.grouped_totals(norm, year, month)
    for c in norm:
        facts[c].hw, facts[c].gw = totals[c][True], totals[c][False]
        facts[c].transfers = int(totals[c][True]["transfers"] + totals[c][False]["transfers"])
    for s in RegionStatistics.objects.filter(region__code__in=norm, year=year).select_related(
        "region"
    ):
        facts[s.region.code].stats = s
    counts = producers if producers is not None else _producer_counts(norm, year)
    for code, (registered, covered_n) in counts.items():
        if code in facts:
            facts[code].producers_registered, facts[code].producers_covered = registered, covered_n

    start, end = agg.period(year, month)
    tz = timezone.get_current_timezone()
    t0 = dt.datetime.combine(start, dt.time(), tzinfo=tz)
    t1 = dt.datetime.combine(end, dt.time(), tzinfo=tz)
    cutoff = min(t1, timezone.now())
    prefixes = {c: _prefix(c) for c in norm}
    common = _common(list(prefixes.values()))
    warnings = Warning.objects.filter(region__prefix__startswith=common)
    closed = list(
        warnings.filter(status=WarningStatus.CLOSED, closed_at__gte=t0, closed_at__lt=t1)
        .values_list("region__code")
        .annotate(n=Count("id"))
    )
    overdue = list(
        warnings.exclude(status__in=(WarningStatus.CLOSED, WarningStatus.DISMISSED))
        .filter(raised_at__lt=cutoff, stage_due_at__lt=cutoff)
        .values_list("region__code")
        .annotate(n=Count("id"))
    )
    stops = list(
        warnings.filter(
            rule=LONG_STOP_RULE, status=WarningStatus.CLOSED, raised_at__gte=t0, raised_at__lt=t1
        )
        .values_list("region__code")
        .annotate(n=Count("id"))
    )
    cases = list(
        Case.objects.filter(
            region__prefix__startswith=common,
            clue__isnull=False,
            opened_at__gte=t0,
            opened_at__lt=t1,
        )
        .values_list("region__code")
        .annotate(n=Count("id"))
    )
    for name, rows in (
        ("warnings_closed", closed),
        ("warnings_overdue", overdue),
        ("dumping_confirmed", stops + cases),
    ):
        for code, n in _by_prefix(rows, prefixes).items():
            setattr(facts[code], name, n)
    return facts


def compute(region_code: str, year: int, *, month: int | None = None) -> list[IndicatorValue]:
    """The seven indicators of a region (province / city / county) for a year or a month."""
    code = agg.normalise(region_code)
    return evaluate(gather([code], year, month)[code], year)


def trend(region_code: str, code: str, year: int) -> list[tuple[int, float | None]]:
    """The indicator month by month (statistics are annual: monthly values are the platform's)."""
    if code not in DEFINITIONS:
        raise ValueError(f"unknown indicator {code!r}")
    region = agg.normalise(region_code)
    producers = _producer_counts([region], year)  # yearly: read once, not per month
    out = []
    for month in range(1, 13):
        facts = gather([region], year, month, producers=producers)[region]
        values = {v.code: v.value for v in evaluate(facts, year)}
        out.append((month, values[code]))
    return out
