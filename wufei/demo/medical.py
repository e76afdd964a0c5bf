"""Medical waste (医疗废物, HW01) in the demo: two hospitals and the centre that burns it.

The generated producers come from the eight industries of ``industries.py``, none of which
makes medical waste; the medical manifests (``ManifestKind.MEDICAL``: HW01 only, the full
procedure) need a hospital and a receiver licensed for HW01. This module names them:

* 绍兴越城康洁医疗废物处置有限公司 (越城) — the medical-waste centre: permit
  ``浙危废经第3306701号`` for category HW01 with methods Y10 (医疗废物焚烧) and Y11 (高温蒸汽),
  a cold store (ZC01) and its incineration line (CZ01);
* 绍兴越城仁济医院 and 绍兴柯桥康宁医院 — 事业单位 (USCC ``12…``), industry 8411 综合医院,
  60–150 t of medical waste a year, a 医疗废物暂存间 (ZC01).

They are built like every other demo organisation (``Seeder._apply``, the registry actions),
get a 2026 plan like every producer site (their streams: ``industries.MEDICAL``), and with
``--activity-producers`` of 10 or more the two hospitals get a year of ledger activity whose
pickups go on medical manifests to the centre.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from stdnum.cn import uscc as stdnum_uscc

from . import codes, words
from .industries import MEDICAL
from .plan import _names
from .specs import FacilitySpec, OrgSpec, PermitSpec, SiteSpec

# The organisation-code serials are taken from the top of the producer and receiver blocks,
# which ``--scale`` never reaches.
SERIAL = codes.BLOCK - 1
CENTRE = {"name": "绍兴越城康洁医疗废物处置有限公司", "region": "330602"}
HOSPITALS: tuple[tuple[str, str, int, int], ...] = (  # name, county, t/yr from … to
    ("绍兴越城仁济医院", "330602", 90, 150),
    ("绍兴柯桥康宁医院", "330603", 60, 100),
)
MIN_PRODUCERS = 10  # activity producers from which the hospitals get a ledger year


def _uscc(seed: int, kind: str, index: int, region: str, prefix: str) -> str:
    body = prefix + region + codes.org_code(seed, kind, SERIAL - index, legacy=True)
    return body + stdnum_uscc.calc_check_digit(body)


def _site(rng: random.Random, uscc: str, name: str, region: str) -> SiteSpec:
    return SiteSpec(
        site_code=codes.site_code(uscc, 1, "A"),
        name=name,
        region=region,
        address=words.address(rng, city=_names(region)[0], county=_names(region)[1]),
        dlon=round(rng.uniform(-0.04, 0.04), 6),
        dlat=round(rng.uniform(-0.03, 0.03), 6),
    )


def _contacts(rng: random.Random, spec: OrgSpec, mailbox: str, n: int) -> None:
    spec.legal_representative = words.person_name(rng)
    spec.contact_name = words.person_name(rng)
    spec.contact_phone = words.mobile(rng)
    spec.contact_email = f"{mailbox}{n:06d}@example.com"


def centre(seed: int) -> OrgSpec:
    rng = random.Random(f"{seed}:medical-centre")
    uscc = _uscc(seed, "receiver", 0, CENTRE["region"], "91")
    spec = OrgSpec(
        "receiver",
        codes.BLOCK - 1,
        uscc,
        CENTRE["name"],
        CENTRE["region"],
        ["receiver"],
        address="",
        industry_code="7724",
        industry_name="危险废物治理",
    )
    _contacts(rng, spec, "medical", 1)
    site = _site(rng, uscc, "医疗废物集中处置中心", CENTRE["region"])
    spec.address = site.address
    site.facilities.append(
        FacilitySpec("ZC01", "医疗废物冷藏贮存库", "storage", Decimal(60), "贮存库")
    )
    site.facilities.append(
        FacilitySpec(
            "CZ01",
            "医疗废物焚烧处置线",
            "disposal",
            Decimal(15000),
            "焚烧炉",
            ("Y10", "Y11"),
        )
    )
    spec.sites.append(site)
    issued = dt.date(2023, 6, 1)
    spec.permit = PermitSpec(
        number="浙危废经第3306701号",
        issued_on=issued,
        valid_from=issued,
        valid_until=dt.date(2028, 5, 31),
        scopes=[
            {
                "category": "HW01",
                "annual_capacity_tonnes": Decimal(15000),
                "methods": ["Y10", "Y11"],
            }
        ],
    )
    return spec


def hospitals(seed: int) -> list[OrgSpec]:
    out = []
    for i, (name, region, low, high) in enumerate(HOSPITALS):
        rng = random.Random(f"{seed}:hospital:{i}")
        uscc = _uscc(seed, "producer", i, region, "12")
        spec = OrgSpec(
            "producer",
            codes.BLOCK - 1 - i,
            uscc,
            name,
            region,
            ["producer"],
            industry_code=MEDICAL.industry_code,
            industry_name=MEDICAL.industry_name,
            annual_hazardous_tonnes=Decimal(rng.randint(low, high)),
            expected_class="key",
        )
        _contacts(rng, spec, "yiyuan", i + 1)
        site = _site(rng, uscc, "院区", region)
        spec.address = site.address
        site.facilities.append(
            FacilitySpec("ZC01", "医疗废物暂存间", "storage", Decimal("12"), "贮存间")
        )
        spec.sites.append(site)
        out.append(spec)
    return out


def specs(seed: int) -> list[OrgSpec]:
    return [centre(seed), *hospitals(seed)]
