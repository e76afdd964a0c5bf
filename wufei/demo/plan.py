"""What the demo province contains, as plain data computed from the seed (no database).

Every organisation is drawn from its own random stream ``Random(f"{seed}:{kind}:{index}")``, so
producer 17 is the same whether the province has 300 producers or 100,000: a larger ``--scale``
adds organisations and never changes the ones already there.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from . import codes, words
from .accounts import ANCHORS
from .industries import (
    BY_KEY,
    COLLECTOR_CATEGORIES,
    INDUSTRIES,
    OPERATOR_KINDS,
    OPERATOR_WEIGHTS,
    Industry,
    annual_tonnes,
    tonnes,
)
from .specs import DriverSpec, FacilitySpec, OrgSpec, PermitSpec, SiteSpec, VehicleSpec

DIVISIONS = Path(__file__).resolve().parent.parent / "catalog" / "data" / "zhejiang_divisions.csv"
ISSUER = "浙江省生态环境厅"
# County bureaus (分局) of the demo; the province and all 11 city bureaus are always there.
COUNTY_BUREAUS = (
    "330603",
    "330604",
    "330681",
    "330109",
    "330206",
    "331002",
    "331082",
    "330784",
    "330304",
)
# Where licensed operators are, one per city first (上虞 first: the demo receiver).
OPERATOR_COUNTIES = (
    "330604",
    "330206",
    "330109",
    "330482",
    "330522",
    "330303",
    "331082",
    "330781",
    "330803",
    "331102",
    "330902",
)
VEHICLE_TYPES = (
    ("重型厢式货车", 10.0, 18.0, 4),
    ("重型罐式货车", 15.0, 30.0, 2),
    ("中型厢式货车", 5.0, 9.9, 3),
    ("轻型厢式货车", 1.5, 4.5, 2),
)


@dataclass(frozen=True)
class Counts:
    producers: int
    carriers: int
    receivers: int
    collectors: int


def counts(scale: int) -> Counts:
    """How many of each kind for ``scale`` producers (Zhejiang: ~400 licensed operators and
    113 micro collectors for ~100,000 producing enterprises)."""
    return Counts(
        producers=scale,
        carriers=max(8, scale // 100),
        receivers=min(599, max(8, scale // 250)),
        collectors=min(399, max(4, scale // 900)),
    )


@cache
def divisions() -> dict[str, dict[str, str]]:
    with DIVISIONS.open(encoding="utf-8") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


def counties() -> list[str]:
    return [c for c, row in divisions().items() if row["level"] == "county"]


def city_of(code: str) -> str:
    row = divisions()[code]
    return code if row["level"] == "city" else row["parent_code"]


def _names(region: str) -> tuple[str, str]:
    """(city name, county name) of a county code."""
    d = divisions()
    return d[city_of(region)]["name"], d[region]["name"]


def _rng(seed: int, kind: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{kind}:{index}")


def _contacts(rng: random.Random, spec: OrgSpec, mailbox: str) -> None:
    spec.legal_representative = words.person_name(rng)
    spec.contact_name = words.person_name(rng)
    spec.contact_phone = words.mobile(rng)
    spec.contact_email = f"{mailbox}{spec.index:06d}@example.com"


def _brand(seed: int, kind: str, index: int) -> str:
    space = len(words.BRAND_FIRST) * len(words.BRAND_SECOND)
    return words.brand(index, codes.permute(seed, f"brand-{kind}", index % space, space))


def _site(
    rng: random.Random, uscc: str, name: str, region: str, city: str, county: str
) -> SiteSpec:
    return SiteSpec(
        site_code=codes.site_code(uscc, 1, "A"),
        name=name,
        region=region,
        address=words.address(rng, city=city, county=county),
        dlon=round(rng.uniform(-0.06, 0.06), 6),
        dlat=round(rng.uniform(-0.05, 0.05), 6),
    )


# --- regulators ------------------------------------------------------------------------------


def regulators(seed: int) -> list[OrgSpec]:
    d = divisions()
    cities = [c for c, row in d.items() if row["level"] == "city"]
    entries = [("330000", ANCHORS["province"]["name"], "province")]
    entries += [
        (c, d[c]["name"] + "生态环境局", "shaoxing" if c == "330600" else "") for c in cities
    ]
    for c in COUNTY_BUREAUS:
        name = f"{d[city_of(c)]['name']}生态环境局{words.short_place(d[c]['name'])}分局"
        entries.append((c, name, "keqiao" if c == "330603" else ""))
    specs = []
    for index, (region, name, anchor) in enumerate(entries):
        rng = _rng(seed, "regulator", index)
        spec = OrgSpec(
            "regulator",
            index,
            codes.make_uscc(seed, "regulator", index, region),
            name,
            region,
            ["regulator"],
            anchor=anchor,
        )
        city = d[city_of(region)]["name"] if region != "330000" else ""
        county = d[region]["name"] if d[region]["level"] == "county" else ""
        spec.address = (
            f"浙江省{city}{county}{rng.choice(words.ROAD_WORDS.split())}路{rng.randint(1, 600)}号"
        )
        _contacts(rng, spec, "sthj")
        spec.contact_phone = f"0{rng.choice(['571', '574', '577', '573', '572', '575', '579', '570', '580', '576', '578'])}-{rng.randint(8000_0000, 8999_9999)}"
        specs.append(spec)
    return specs


# --- producers -------------------------------------------------------------------------------


def _producer_place(
    rng: random.Random, index: int, industry: Industry | None
) -> tuple[Industry, str]:
    all_counties = counties()
    if 1 <= index <= len(all_counties):  # the first 90 producers cover every county once
        county = all_counties[index - 1]
        weights = [i.weight * (4 if county in i.hubs else 1) for i in INDUSTRIES]
        return industry or rng.choices(INDUSTRIES, weights=weights)[0], county
    industry = industry or rng.choices(INDUSTRIES, weights=[i.weight for i in INDUSTRIES])[0]
    if rng.random() < 0.75:
        hubs = list(industry.hubs)
        return industry, rng.choices(hubs, weights=[industry.hubs[h] for h in hubs])[0]
    return industry, rng.choice(all_counties)


def producer(seed: int, index: int) -> OrgSpec:
    rng = _rng(seed, "producer", index)
    anchor = "producer" if index == 0 else ""
    if anchor:
        industry, region = BY_KEY["dyeing"], ANCHORS["producer"]["region"]
    else:
        industry, region = _producer_place(rng, index, None)
    city, county = _names(region)
    uscc = codes.make_uscc(seed, "producer", index, region, legacy=rng.random() < 0.35)
    if anchor:
        name = ANCHORS["producer"]["name"]
        cls, annual = "key", tonnes(rng.uniform(800, 1600))
    else:
        name = words.company_name(
            rng,
            brand_word=_brand(seed, "producer", index),
            trade=rng.choice(industry.trades),
            city=city,
            county=county,
        )
        cls, annual = annual_tonnes(rng, industry)
    spec = OrgSpec(
        "producer",
        index,
        uscc,
        name,
        region,
        ["producer"],
        anchor=anchor,
        address=words.address(rng, city=city, county=county),
        industry_code=industry.industry_code,
        industry_name=industry.industry_name,
        annual_hazardous_tonnes=annual,
        expected_class=cls,
    )
    _contacts(rng, spec, "ehs")
    site = _site(
        rng,
        uscc,
        rng.choice(("生产基地", "厂区", "一厂区", f"{words.short_place(county)}厂区")),
        region,
        city,
        county,
    )
    small = cls == "registered"
    site.facilities.append(
        FacilitySpec(
            code="ZC01",
            name="危险废物贮存间" if small else "危险废物贮存库",
            kind="storage",
            capacity_tonnes=max(Decimal("0.5"), tonnes(float(annual) * rng.uniform(0.08, 0.25))),
            facility_type="贮存间" if small else rng.choice(("贮存库", "贮存库", "贮存罐区")),
        )
    )
    if cls == "key" and rng.random() < industry.own_disposal:  # an own incinerator (自建焚烧炉)
        site.facilities.append(
            FacilitySpec(
                code="CZ01",
                name="自建危险废物焚烧炉",
                kind="disposal",
                capacity_tonnes=tonnes(float(annual) * rng.uniform(0.4, 0.8)),
                facility_type="焚烧炉",
                methods=("D10",),
            )
        )
    spec.sites.append(site)
    return spec


# --- carriers --------------------------------------------------------------------------------


def carrier(seed: int, index: int) -> OrgSpec:
    rng = _rng(seed, "carrier", index)
    anchor = "carrier" if index == 0 else ""
    region = ANCHORS["carrier"]["region"] if anchor else rng.choice(counties())
    city, county = _names(region)
    uscc = codes.make_uscc(seed, "carrier", index, region, legacy=rng.random() < 0.35)
    name = (
        ANCHORS["carrier"]["name"]
        if anchor
        else words.company_name(
            rng,
            brand_word=_brand(seed, "carrier", index),
            trade=rng.choice(("危险品运输", "危货运输", "物流", "危险货物运输")),
            city=city,
            county=county,
        )
    )
    spec = OrgSpec(
        "carrier",
        index,
        uscc,
        name,
        region,
        ["carrier"],
        anchor=anchor,
        address=words.address(rng, city=city, county=county),
        industry_code="5435",
        industry_name="危险货物道路运输",
    )
    _contacts(rng, spec, "dispatch")
    city_prefix = city_of(region)[:4]
    for j in range(6 if anchor else rng.randint(2, 8)):
        vtype, low, high, _w = rng.choices(VEHICLE_TYPES, weights=[t[3] for t in VEHICLE_TYPES])[0]
        spec.vehicles.append(
            VehicleSpec(
                plate=codes.plate(seed, city_prefix, index, j),
                transport_permit_no=codes.transport_permit_no(seed, region, index, j),
                load_limit_tonnes=Decimal(str(round(rng.uniform(low, high), 1))),
                vehicle_type=vtype,
                terminal_id=codes.terminal_id(seed, index, j),
            )
        )
    for j in range(4 if anchor else rng.randint(2, 6)):
        birth = f"{rng.randint(1968, 1996)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        spec.drivers.append(
            DriverSpec(
                name="张伟" if anchor and j == 0 else words.person_name(rng),
                phone=words.mobile(rng),
                qualification_no=codes.valid_resident_id(
                    rng, counties(), birth, j * 100 + rng.randint(0, 99)
                ),
                qualification_valid_until=dt.date(
                    rng.randint(2027, 2031), rng.randint(1, 12), rng.randint(1, 28)
                ),
                username="driver" if anchor and j == 0 else "",
            )
        )
    return spec


# --- licensed operators and micro collectors ---------------------------------------------------


def _validity(rng: random.Random) -> tuple[dt.date, dt.date, dt.date]:
    issued = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 1400))
    until = issued.replace(year=issued.year + 5) - dt.timedelta(days=1)  # 5 years
    return issued, issued, until


def _split(total: float, parts: int, rng: random.Random) -> list[Decimal]:
    weights = [0.5 + rng.random() for _ in range(parts)]
    return [Decimal(max(100, round(total * w / sum(weights), -2))) for w in weights]


def receiver(seed: int, index: int) -> OrgSpec:
    rng = _rng(seed, "receiver", index)
    anchor = "receiver" if index == 0 else ""
    kind = (
        OPERATOR_KINDS[index]
        if index < len(OPERATOR_KINDS)
        else rng.choices(OPERATOR_KINDS, weights=OPERATOR_WEIGHTS)[0]
    )
    region = OPERATOR_COUNTIES[index] if index < len(OPERATOR_COUNTIES) else rng.choice(counties())
    city, county = _names(region)
    uscc = codes.make_uscc(seed, "receiver", index, region, legacy=rng.random() < 0.5)
    name = (
        ANCHORS["receiver"]["name"]
        if anchor
        else words.company_name(
            rng,
            brand_word=_brand(seed, "receiver", index),
            trade=kind.trade,
            city=city,
            county=county,
        )
    )
    spec = OrgSpec(
        "receiver",
        index,
        uscc,
        name,
        region,
        ["receiver"],
        anchor=anchor,
        address=words.address(rng, city=city, county=county),
        industry_code="7724",
        industry_name="危险废物治理",
    )
    _contacts(rng, spec, "ops")
    capacity = float(round(rng.uniform(*kind.capacity), -3))
    site = _site(
        rng, uscc, rng.choice(("处置中心", "资源化利用基地", "厂区")), region, city, county
    )
    site.facilities.append(
        FacilitySpec(
            "ZC01",
            "危险废物贮存库",
            "storage",
            Decimal(round(capacity / rng.choice((12, 20, 30)))),
            "贮存库",
        )
    )
    site.facilities.append(
        FacilitySpec(
            "LY01" if kind.facility_kind == "utilisation" else "CZ01",
            kind.facility_name,
            kind.facility_kind,
            Decimal(int(capacity)),
            kind.facility_type,
            kind.methods,
        )
    )
    spec.sites.append(site)
    lines = [("category", c) for c in kind.categories] + [("waste_code", c) for c in kind.codes]
    issued, start, until = _validity(rng)
    spec.permit = PermitSpec(
        number=f"浙危废经第{city_of(region)[:4]}{index + 1:03d}号",
        issued_on=issued,
        valid_from=start,
        valid_until=until,
        scopes=[
            {key: code, "annual_capacity_tonnes": amount, "methods": list(kind.methods)}
            for (key, code), amount in zip(lines, _split(capacity, len(lines), rng), strict=True)
        ],
    )
    return spec


def collector(seed: int, index: int) -> OrgSpec:
    rng = _rng(seed, "collector", index)
    anchor = "collector" if index == 0 else ""
    region = ANCHORS["collector"]["region"] if anchor else rng.choice(counties())
    city, county = _names(region)
    uscc = codes.make_uscc(seed, "collector", index, region, legacy=rng.random() < 0.2)
    name = (
        ANCHORS["collector"]["name"]
        if anchor
        else words.company_name(
            rng,
            brand_word=_brand(seed, "collector", index),
            trade=rng.choice(("环境服务", "环保科技", "小微危废收运", "再生资源回收")),
            city=city,
            county=county,
        )
    )
    spec = OrgSpec(
        "collector",
        index,
        uscc,
        name,
        region,
        ["collector"],
        anchor=anchor,
        address=words.address(rng, city=city, county=county),
        industry_code="7724",
        industry_name="危险废物治理",
    )
    _contacts(rng, spec, "collect")
    site = _site(rng, uscc, "收运中转站", region, city, county)
    site.facilities.append(
        FacilitySpec(
            "ZZ01",
            "小微危废收集贮存仓库",
            "storage",
            Decimal(rng.randrange(50, 300, 10)),
            "中转贮存库",
        )
    )
    spec.sites.append(site)
    issued, start, until = _validity(rng)
    spec.permit = PermitSpec(
        number=f"浙危废经第{city_of(region)[:4]}{600 + index:03d}号",
        issued_on=issued,
        valid_from=start,
        valid_until=until,
        is_comprehensive=False,
        scopes=[
            {
                "category": c,
                "annual_capacity_tonnes": Decimal(rng.randrange(300, 3000, 100)),
                "methods": [],
            }
            for c in COLLECTOR_CATEGORIES
        ],
    )
    return spec
