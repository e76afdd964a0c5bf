"""Capacity, load and matching on the province's real graph (能力匹配 · 负荷率).

- ``generation(region, year)``: what each county generates per category (HWxx, SWxx) — the
  ledger's containers produced that year, by the site's county.
- ``facilities(region, year)``: where it can go — hazardous waste to the permits valid that year
  (capacity per category = the sum of the permit's scopes for that category's codes or the
  whole category), general waste to the utilisation/disposal facilities (registry
  ``Facility``) of receivers, which take any SW class up to their annual capacity (the
  registry does not record which SW classes a facility accepts; documented in capacity.md).
- ``facility_loads(region, year)``: received vs permitted per permit, category and year (负荷率).
- ``match(region, year, …)``: the min-cost flow of ``matching.solve`` on that graph, with the
  locality rules of the plan (一般固废不出县、危险废物不出市) as an option, and
  ``compare(base, scenario)`` for what-if scenarios (add or retire a facility, change a
  capacity).
- ``structural_signals``: idle capacity, short categories, the seasonal sludge gap, fly-ash and
  waste-salt outlets.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import ExtractMonth

from wufei.catalog.models import Region
from wufei.ledger.models import Container, ContainerStatus
from wufei.manifests.models import ManifestLine
from wufei.registry.models import Facility as RegistryFacility
from wufei.registry.models import FacilityKind, Permit, Site

from .matching import Facility, Solution, Source, solve

LOCAL_RULE = {"SW": "county", "HW": "city"}  # 一般固废不出县、危险废物不出市
SLUDGE = ("SW07",)  # 污泥 (general); hazardous sludges are spread over many codes
FLY_ASH_CODES = ("772-002-18", "772-003-18")  # 焚烧飞灰
WASTE_SALT_HINT = "盐"  # 废盐: codes whose description names salt residues


def _region(code: str) -> Region:
    return (
        Region.objects.get(code=code.ljust(6, "0"))
        if len(code) < 6
        else Region.objects.get(code=code)
    )


def _in(region: Region, path: str) -> Q:
    return Q(**{f"{path}__prefix__startswith": region.prefix})


def _site_point(site: Site | None, fallback: Region | None) -> tuple[float, float] | None:
    if site is not None and site.latitude is not None and site.longitude is not None:
        return float(site.latitude), float(site.longitude)
    region = site.region if site is not None else fallback
    if region is not None and region.center_lat is not None and region.center_lon is not None:
        return float(region.center_lat), float(region.center_lon)
    return None


def generation(region_code: str, year: int) -> list[Source]:
    """Tonnes generated per (county, category) in ``year``, placed at the county's centre."""
    region = _region(region_code)
    rows = (
        Container.objects.filter(produced_on__year=year)
        .exclude(status=ContainerStatus.REVERSED)
        .filter(_in(region, "site__region"))
        .values("site__region__code", "waste_code__category__code", "general_category__code_2021")
        .annotate(t=Sum("weight_tonnes"))
    )
    centres = {
        r.code: (r.center_lat, r.center_lon)
        for r in Region.objects.filter(level="county").filter(prefix__startswith=region.prefix)
    }
    out = []
    for r in rows:
        category = r["waste_code__category__code"] or r["general_category__code_2021"]
        lat, lon = centres.get(r["site__region__code"], (None, None))
        if not category or not r["t"] or lat is None or lon is None:
            continue
        out.append(Source(r["site__region__code"], category, float(r["t"]), float(lat), float(lon)))
    return sorted(out, key=lambda s: (s.region, s.category))


def _received(year: int) -> dict[tuple[int, str], Decimal]:
    """Tonnes accepted per (permit, category) on manifests received in ``year``."""
    rows = (
        ManifestLine.objects.filter(
            manifest__received_at__year=year, manifest__receiver_permit__isnull=False
        )
        .values("manifest__receiver_permit", "waste_code__category__code")
        .annotate(t=Sum("accepted_tonnes"))
    )
    return {
        (r["manifest__receiver_permit"], r["waste_code__category__code"]): r["t"] or Decimal("0")
        for r in rows
    }


def _permit_capacities(permit: Permit) -> dict[str, Decimal]:
    caps: dict[str, Decimal] = defaultdict(Decimal)
    for scope in permit.scopes.all():
        category = scope.waste_code.category.code if scope.waste_code_id else scope.category.code  # type: ignore[union-attr]
        caps[category] += scope.annual_capacity_tonnes
    return dict(caps)


def _valid_permits(region: Region, year: int) -> list[Permit]:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return list(
        Permit.objects.filter(status="valid", valid_from__lte=end, valid_until__gte=start)
        .filter(_in(region, "organization__region"))
        .select_related("organization", "organization__region", "site", "site__region")
        .prefetch_related("scopes__waste_code__category", "scopes__category")
    )


def facilities(region_code: str, year: int, *, remaining: bool = False) -> list[Facility]:
    """The places waste can go: permits (hazardous) and receivers' facilities (general)."""
    region = _region(region_code)
    received = _received(year) if remaining else {}
    out: list[Facility] = []
    for permit in _valid_permits(region, year):
        caps = _permit_capacities(permit)
        if remaining:
            caps = {
                c: max(t - received.get((permit.pk, c), Decimal("0")), Decimal("0"))
                for c, t in caps.items()
            }
        site = permit.site or permit.organization.sites.filter(is_active=True).first()
        point = _site_point(site, permit.organization.region)
        if point is None or not caps:
            continue
        county = (site.region if site is not None else permit.organization.region).code
        out.append(
            Facility(
                key=f"permit:{permit.pk}",
                region=county,
                lat=point[0],
                lon=point[1],
                total_tonnes=float(sum(caps.values())),
                categories={c: float(t) for c, t in caps.items()},
            )
        )
    general = ["SW" + f"{n:02d}" for n in range(1, 100)]
    for f in (
        RegistryFacility.objects.filter(
            is_active=True,
            kind__in=(FacilityKind.UTILISATION, FacilityKind.DISPOSAL),
            site__organization__is_receiver=True,
        )
        .filter(_in(region, "site__region"))
        .select_related("site", "site__region")
    ):
        point = _site_point(f.site, None)
        if point is None or not f.capacity_tonnes:
            continue
        total = float(f.capacity_tonnes)
        out.append(
            Facility(
                key=f"facility:{f.pk}",
                region=f.site.region.code,
                lat=point[0],
                lon=point[1],
                total_tonnes=total,
                categories=dict.fromkeys(general, total),
            )
        )
    return out


def facility_loads(region_code: str, year: int) -> list[dict[str, Any]]:
    """负荷率: accepted tonnes vs permitted capacity per permit and category in ``year``."""
    region = _region(region_code)
    received = _received(year)
    rows = []
    for permit in _valid_permits(region, year):
        for category, cap in sorted(_permit_capacities(permit).items()):
            got = received.get((permit.pk, category), Decimal("0"))
            rows.append(
                {
                    "facility": permit.number,
                    "operator": permit.organization.name,
                    "region_code": permit.organization.region.code,
                    "category": category,
                    "permitted_t": float(cap),
                    "received_t": float(got),
                    "load_rate": float(got / cap) if cap else None,
                }
            )
    return rows


@dataclass
class Match:
    region: str
    year: int
    sources: list[Source]
    facilities: list[Facility]
    solution: Solution
    local: Solution | None = None  # the same with the locality rules
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def locality_holds(self) -> bool | None:
        if self.local is None:
            return None
        return self.local.shortfall_tonnes <= self.solution.shortfall_tonnes + 1e-6

    def shortfall_rows(self, which: Solution | None = None) -> list[dict[str, Any]]:
        sol = which or self.solution
        return [
            {"region_code": r, "category": c, "tonnes": round(t, 4)}
            for (r, c), t in sorted(sol.shortfall.items())
        ]

    def load_rows(self, which: Solution | None = None) -> list[dict[str, Any]]:
        sol = which or self.solution
        rows = []
        for f in self.facilities:
            assigned = sol.facility_load.get(f.key, 0.0)
            rows.append(
                {
                    "facility": self.labels.get(f.key, f.key),
                    "key": f.key,
                    "region_code": f.region,
                    "capacity_t": round(f.total_tonnes, 4),
                    "assigned_t": round(assigned, 4),
                    "load_rate": assigned / f.total_tonnes if f.total_tonnes else None,
                }
            )
        return sorted(rows, key=lambda r: -(r["load_rate"] or 0))


def _labels(facs: list[Facility]) -> dict[str, str]:
    labels: dict[str, str] = {}
    permits = [int(f.key.split(":")[1]) for f in facs if f.key.startswith("permit:")]
    for p in Permit.objects.filter(pk__in=permits).select_related("organization"):
        labels[f"permit:{p.pk}"] = f"{p.organization.name}（{p.number}）"
    regs = [int(f.key.split(":")[1]) for f in facs if f.key.startswith("facility:")]
    for f in RegistryFacility.objects.filter(pk__in=regs).select_related("site__organization"):
        labels[f"facility:{f.pk}"] = f"{f.site.organization.name} {f.name}"
    return labels


def match(
    region_code: str, year: int, *, facilities_override: list[Facility] | None = None
) -> Match:
    sources = generation(region_code, year)
    facs = facilities_override if facilities_override is not None else facilities(region_code, year)
    return Match(
        region=region_code,
        year=year,
        sources=sources,
        facilities=facs,
        solution=solve(sources, facs),
        local=solve(sources, facs, local_rule=LOCAL_RULE),
        labels=_labels(facs),
    )


@dataclass(frozen=True)
class Change:
    """A scenario edit: ``add`` a facility, ``retire`` one, or set a ``capacity``."""

    op: str
    key: str = ""
    facility: Facility | None = None
    category: str = ""
    tonnes: float = 0.0


def apply(facs: list[Facility], changes: list[Change]) -> list[Facility]:
    out = list(facs)
    for ch in changes:
        if ch.op == "retire":
            out = [f for f in out if f.key != ch.key]
        elif ch.op == "add" and ch.facility is not None:
            out.append(ch.facility)
        elif ch.op == "capacity":
            new = []
            for f in out:
                if f.key == ch.key:
                    cats = dict(f.categories)
                    if ch.category:
                        old = cats.get(ch.category, 0.0)
                        cats[ch.category] = ch.tonnes
                        # A permit's total is the sum of its scopes; a general facility's is its own.
                        total = (
                            f.total_tonnes + (ch.tonnes - old)
                            if f.key.startswith("permit:")
                            else f.total_tonnes
                        )
                        f = replace(f, categories=cats, total_tonnes=max(total, 0.0))
                    else:
                        f = replace(
                            f,
                            total_tonnes=ch.tonnes,
                            categories={c: min(t, ch.tonnes) for c, t in cats.items()},
                        )
                new.append(f)
            out = new
        else:
            raise ValueError(f"unknown scenario change {ch.op!r}")
    return out


def compare(base: Match, changes: list[Change]) -> dict[str, Any]:
    """The scenario against the base: cost, shortfall, locality and each facility's load."""
    scenario = match(base.region, base.year, facilities_override=apply(base.facilities, changes))
    return {
        "base": {
            "cost_tkm": base.solution.cost_tkm,
            "shortfall_t": base.solution.shortfall_tonnes,
            "locality_holds": base.locality_holds,
        },
        "scenario": {
            "cost_tkm": scenario.solution.cost_tkm,
            "shortfall_t": scenario.solution.shortfall_tonnes,
            "locality_holds": scenario.locality_holds,
        },
        "match": scenario,
    }


def structural_signals(
    region_code: str, year: int, *, idle_below: float = 0.3
) -> list[dict[str, Any]]:
    """Idle or short categories, the seasonal sludge gap, fly-ash and waste-salt outlets."""
    region = _region(region_code)
    signals: list[dict[str, Any]] = []
    loads: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in facility_loads(region_code, year):
        loads[row["category"]][0] += row["permitted_t"]
        loads[row["category"]][1] += row["received_t"]
    generated: dict[str, float] = defaultdict(float)
    for s in generation(region_code, year):
        generated[s.category] += s.tonnes
    for category in sorted(set(loads) | {c for c in generated if c.startswith("HW")}):
        cap, got = loads.get(category, [0.0, 0.0])
        gen = generated.get(category, 0.0)
        if cap and got / cap < idle_below:
            signals.append(
                {
                    "kind": "idle",
                    "category": category,
                    "capacity_t": cap,
                    "received_t": got,
                    "rate": got / cap,
                }
            )
        if gen > cap:
            signals.append(
                {"kind": "short", "category": category, "capacity_t": cap, "generated_t": gen}
            )
    monthly = (
        Container.objects.filter(produced_on__year=year, general_category__code_2021__in=SLUDGE)
        .filter(_in(region, "site__region"))
        .annotate(m=ExtractMonth("produced_on"))
        .values("m")
        .annotate(t=Sum("weight_tonnes"))
    )
    sludge_cap = (
        sum(
            float(f.capacity_tonnes)
            for f in RegistryFacility.objects.filter(
                is_active=True,
                kind__in=(FacilityKind.UTILISATION, FacilityKind.DISPOSAL),
                site__organization__is_receiver=True,
            ).filter(_in(region, "site__region"))
        )
        / 12
    )
    for row in monthly:
        if row["t"] and float(row["t"]) > sludge_cap:
            signals.append(
                {
                    "kind": "sludge_gap",
                    "month": row["m"],
                    "generated_t": float(row["t"]),
                    "monthly_capacity_t": sludge_cap,
                }
            )
    for label, codes in (
        ("fly_ash", Q(waste_code__code__in=FLY_ASH_CODES)),
        ("waste_salt", Q(waste_code__description__contains=WASTE_SALT_HINT)),
    ):
        gen_t: Decimal = Container.objects.filter(codes, produced_on__year=year).filter(
            _in(region, "site__region")
        ).aggregate(t=Sum("weight_tonnes"))["t"] or Decimal("0")
        cap_t = Decimal("0")
        for permit in _valid_permits(region, year):
            for scope in permit.scopes.all():
                code = scope.waste_code
                if code is not None and (
                    code.code in FLY_ASH_CODES
                    if label == "fly_ash"
                    else WASTE_SALT_HINT in code.description
                ):
                    cap_t += scope.annual_capacity_tonnes
        if gen_t or cap_t:
            signals.append(
                {
                    "kind": label,
                    "generated_t": float(gen_t),
                    "capacity_t": float(cap_t),
                    "short": gen_t > cap_t,
                }
            )
    return signals
