"""File the demo producers' management plans (HJ 1259 §5) through the plan actions.

One plan per producer site and year, with one line per waste stream of
:func:`wufei.demo.industries.waste_streams`: the code, the plant's name for it, the process,
the form, the expected tonnes, the storage facility and packaging (Table A.4, key and
simplified units), own incineration (A.5) for key units with their own incinerator and an
incinerable waste, and otherwise the transfer (A.7) to an intended receiver: a demo operator
(or, for small units, a micro collector) whose valid permit covers the code or its category.
Key and simplified units also get a reduction measure (A.6). Each plan is created and filed
in one transaction, with the clock set to a day in March of the plan's year (so it is filed
on time); a site that has a plan for the year is left alone.

The Table A.1 items a filing needs from the registry (legal representative, contact phone,
industry code) are filled through ``registry.actions.update_organization`` when missing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from wufei.catalog.models import WasteCode
from wufei.plans import actions as plan_actions
from wufei.plans.models import ManagementPlan
from wufei.registry import actions as registry_actions
from wufei.registry.models import (
    Facility,
    FacilityKind,
    ManagementClass,
    Organization,
    Permit,
    Site,
)

from . import words
from .clock import DemoClock, at
from .industries import BY_CODE, waste_streams
from .wastes import OUT_OF_PROVINCE, detail

PACKAGING = {
    "drum": "钢桶",
    "ibc": "吨桶(IBC)",
    "bag": "编织袋",
    "bulk_bag": "吨袋",
    "box": "纸箱",
    "pallet": "托盘",
    "tank": "储罐",
}

REDUCTIONS = {
    "1713": "污泥板框压滤深度脱水，含水率降至60%以下；染料桶由供应商回收复用",
    "2614": "精馏残渣回收溶剂后再处置；优化反应收率，减少釜残产生量",
    "2710": "母液套用与溶剂回收，废活性炭改用可再生吸附剂",
    "3360": "逆流漂洗与槽液在线回收，减少电镀污泥产生量",
    "2221": "废油集中收集再生；污泥脱水减量",
    "3399": "切削液过滤再生延长使用周期；油泥离心分离",
    "3982": "蚀刻液在线再生提铜，降低废蚀刻液外运量",
    "4411": "脱硝催化剂再生延寿；变压器油滤油复用",
}
INCINERABLE = {"HW02", "HW06", "HW11", "HW12", "HW13", "HW45", "HW49"}
#: A micro collector's permit is collection-only (收集, scopes without a method), and the
#: manifest's submit check wants the line's method in a scope of the receiver's permit; until
#: the manifests app says how a collector is checked, plans name licensed operators only.
COLLECTORS_RECEIVE = False


@dataclass(frozen=True)
class Receiver:
    organization: Organization
    permit_number: str
    collector: bool
    categories: frozenset[str]
    codes: frozenset[str]
    methods: dict[str, str]  # category or code → method code

    def covers(self, code: str, category: str) -> bool:
        return code in self.codes or category in self.categories

    def method(self, code: str, category: str) -> str:
        return self.methods.get(code) or self.methods[category]


def receivers(on: dt.date) -> list[Receiver]:
    """The operators and micro collectors with a permit valid on ``on``, by name."""
    out = []
    permits = (
        Permit.objects.filter(organization__is_active=True, valid_from__lte=on, valid_until__gte=on)
        .select_related("organization")
        .prefetch_related("scopes__category", "scopes__waste_code", "scopes__methods")
        .order_by("organization__name", "number")
    )
    for permit in permits:
        org = permit.organization
        if not (org.is_receiver or org.is_collector):
            continue
        categories: set[str] = set()
        codes: set[str] = set()
        methods: dict[str, str] = {}
        for scope in permit.scopes.all():
            key = scope.waste_code.code if scope.waste_code else scope.category.code
            (codes if scope.waste_code else categories).add(key)
            first = sorted(m.code for m in scope.methods.all())
            methods[key] = first[0] if first else "D10"
        out.append(
            Receiver(
                org,
                permit.number,
                bool(org.is_collector and not org.is_receiver),
                frozenset(categories),
                frozenset(codes),
                methods,
            )
        )
    return out


def _city(code: str) -> str:
    return code[:4]


def choose_receiver(
    code: str, category: str, org: Organization, options: list[Receiver], rng: random.Random
) -> Receiver | None:
    """A receiver licensed for the code: small units prefer a micro collector of their city,
    everyone else an operator, nearer ones (same city) first."""
    fit = [r for r in options if r.covers(code, category)]
    if not COLLECTORS_RECEIVE:
        fit = [r for r in fit if not r.collector]
    if not fit:
        return None
    city = _city(org.region.code)
    small = org.management_class == ManagementClass.REGISTERED
    collectors = [r for r in fit if r.collector]
    if small and collectors:
        fit = [r for r in collectors if _city(r.organization.region.code) == city] or collectors
    else:
        fit = [r for r in fit if not r.collector] or fit
        fit = [r for r in fit if _city(r.organization.region.code) == city] or fit
    return rng.choice(fit)


def main_receiver(
    codes: list[tuple[str, str]], org: Organization, options: list[Receiver]
) -> Receiver | None:
    """The operator that takes most of the unit's wastes ((code, category) pairs), nearer ones
    first: units contract one main receiver, so a pickup fills one manifest, not five."""
    if not COLLECTORS_RECEIVE:
        options = [r for r in options if not r.collector]
    city = _city(org.region.code)
    scored = [
        (
            -sum(r.covers(code, category) for code, category in codes),
            _city(r.organization.region.code) != city,
            r.organization.uscc,
            r,
        )
        for r in options
    ]
    best = min(scored, key=lambda row: row[:3], default=None)
    return best[3] if best is not None and best[0] < 0 else None


class PlanFiler:
    """Files the plans of one year; ``filed`` and ``present`` count what it did."""

    def __init__(self, actor: Any, seed: int, year: int, clock: DemoClock):
        self.actor, self.seed, self.year, self.clock = actor, seed, year, clock
        self.receivers = receivers(dt.date(year, 3, 1))
        self.codes = {c.code: c for c in WasteCode.objects.select_related("category")}
        self.filed = 0
        self.present = 0
        self.a1_filled = 0
        self.main: Receiver | None = None  # the unit's main receiver, while filing its plan
        self.existing = set(
            ManagementPlan.objects.filter(year=year).values_list("site_id", flat=True)
        )

    def file_all(self, sites: Iterable[Site]) -> None:
        for site in sites:
            if site.pk in self.existing:
                self.present += 1
                continue
            self.file(site)

    def file(self, site: Site) -> ManagementPlan | None:
        org = site.organization
        streams = waste_streams(org.uscc, org.industry_code, org.annual_hazardous_tonnes)
        if not streams:
            return None
        rng = random.Random(f"{self.seed}:plan:{self.year}:{org.uscc}")
        day = dt.date(self.year, 3, rng.randint(2, 27))
        self.clock.set(at(day, rng.randint(9, 16), rng.randint(0, 59)))
        with transaction.atomic():
            org = self._complete_a1(org, rng)
            lead = words.person_name(rng)
            plan = plan_actions.create_plan(
                self.actor,
                site,
                self.year,
                technical_lead=lead,
                technical_lead_phone=words.mobile(rng),
                pollutant_permit_number=f"{org.uscc}001P",
            )
            facilities = {f.code: f for f in site.facilities.filter(is_active=True)}
            self.main = main_receiver(
                [(code, self.codes[code].category.code) for code, _ in streams],
                org,
                self.receivers,
            )
            sections_key = org.management_class == ManagementClass.KEY
            with_storage = org.management_class in (ManagementClass.KEY, ManagementClass.SIMPLIFIED)
            for code, tonnes in streams:
                plan_actions.add_plan_waste(
                    self.actor,
                    plan,
                    **self._line(org, code, tonnes, facilities, sections_key, with_storage, rng),
                )
            if with_storage:
                plan_actions.add_plan_reduction(
                    self.actor,
                    plan,
                    measure=REDUCTIONS.get(org.industry_code, "源头减量，分类收集贮存"),
                    expected_effect="危险废物产生量较上年下降5%",
                )
            plan.refresh_from_db()
            plan = plan_actions.file_plan(self.actor, plan)
        self.filed += 1
        self.existing.add(site.pk)
        return plan

    def _line(
        self,
        org: Organization,
        code: str,
        tonnes: Decimal,
        facilities: dict[str, Facility],
        sections_key: bool,
        with_storage: bool,
        rng: random.Random,
    ) -> dict[str, Any]:
        info = detail(code)
        category = self.codes[code].category.code
        fields: dict[str, Any] = {
            "waste_code": code,
            "internal_name": info.name,
            "process": info.process,
            "form": info.form,
            "hazardous_components": info.components,
            "annual_tonnes": tonnes,
        }
        if with_storage:
            storage = next((f for f in facilities.values() if f.kind == FacilityKind.STORAGE), None)
            fields["storage_facility"] = storage
            fields["packaging"] = f"{PACKAGING.get(info.package, '包装')} {info.volume} L"
        own = next(
            (
                f
                for f in facilities.values()
                if f.kind == FacilityKind.DISPOSAL and f.code == "CZ01"
            ),
            None,
        )
        if sections_key and own is not None and category in INCINERABLE:
            fields.update(treatment_facility=own, treatment_method="D10", treatment_tonnes=tonnes)
            fields["internal_treatment"] = "厂内焚烧炉焚烧处置"
            return fields
        fields.update(transfer_type="in_province", transfer_tonnes=tonnes, receiver_type="licensed")
        main = self.main
        receiver = (
            main
            if main is not None and main.covers(code, category)
            else choose_receiver(code, category, org, self.receivers, rng)
        )
        if receiver is None:
            fields.update(
                transfer_type="cross_province",
                transfer_method=info.method,
                receiver_permit_number=OUT_OF_PROVINCE.get(category, "JS3200000000"),
            )
        else:
            fields.update(
                transfer_method=receiver.method(code, category),
                receiver=receiver.organization,
                receiver_permit_number=receiver.permit_number,
            )
        return fields

    def _complete_a1(self, org: Organization, rng: random.Random) -> Organization:
        changes: dict[str, Any] = {}
        if not org.legal_representative.strip():
            changes["legal_representative"] = words.person_name(rng)
        if not org.contact_phone.strip():
            changes["contact_phone"] = words.mobile(rng)
        if not org.industry_code.strip():
            changes["industry_code"] = next(iter(BY_CODE))
        if not changes:
            return org
        self.a1_filled += 1
        return registry_actions.update_organization(self.actor, org, **changes)


def producer_sites() -> Any:
    """The demo producers' sites that can carry a plan (active, with a storage facility)."""
    return (
        Site.objects.filter(
            organization__is_producer=True,
            organization__is_active=True,
            is_active=True,
            facilities__kind=FacilityKind.STORAGE,
        )
        .select_related("organization", "organization__region", "region")
        .distinct()
        .order_by("organization__uscc", "site_code")
    )
