"""factory_boy factories for the ledger (other apps' tests, e.g. manifests, use them too).

``producer_setup()`` makes what a producer's 五即 day needs: an organisation with a site, a
storage facility (capacity 10 t), a filed plan for the year listing one waste code, and an
administrator. ``ContainerFactory`` writes a container row directly (no entries, no audit);
tests of the rules go through ``ledger.actions``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from wufei.catalog.models import GeneralWasteCategory, WasteCode
from wufei.catalog.tests.factories import WasteCategoryFactory, WasteCodeFactory
from wufei.ledger.models import (
    Container,
    ContainerStatus,
    PackageType,
    ScaleDevice,
    WasteKind,
)
from wufei.plans.models import ManagementPlan, PlanWaste, WasteForm
from wufei.plans.tests.factories import FiledPlanFactory, PlanWasteFactory
from wufei.registry.models import Facility, FacilityKind, Organization, Site
from wufei.registry.tests.factories import (
    FacilityFactory,
    OrganizationFactory,
    SiteFactory,
    member_of,
)


@dataclass
class Producer:
    org: Organization
    site: Site
    storage: Facility
    plan: ManagementPlan
    line: PlanWaste
    code: WasteCode
    user: Any


def producer_setup(
    year: int | None = None, *, capacity: str = "10", hazard: str = "T,I"
) -> Producer:
    """A producer ready to record waste of ``code`` (listed in its filed plan for ``year``)."""
    year = year or timezone.localdate().year
    org = OrganizationFactory(contact_name="王工", contact_phone="0575-88001234")
    site = SiteFactory(organization=org)
    storage = FacilityFactory(
        site=site, code="TS001", kind=FacilityKind.STORAGE, capacity_tonnes=Decimal(capacity)
    )
    category = WasteCategoryFactory(code="HW08", name="废矿物油与含矿物油废物")
    code = WasteCodeFactory(edition=category.edition, category=category, hazard=hazard)
    plan = FiledPlanFactory(site=site, year=year)
    line = PlanWasteFactory(
        plan=plan,
        waste_code=code,
        internal_name="废机油",
        process="设备维修",
        form=WasteForm.LIQUID,
        hazardous_components="矿物油",
        storage_facility=storage,
    )
    user = member_of(org)
    return Producer(org, site, storage, plan, line, code, user)


def general_category(code: str = "SW59") -> GeneralWasteCategory:
    return GeneralWasteCategory.objects.get_or_create(
        code_2021=code, defaults={"code_2024": "S59", "name": "其他工业固体废物", "verified": "M"}
    )[0]


class ContainerFactory(factory.django.DjangoModelFactory):
    """A produced (unweighed) hazardous container; pass ``status``/``weight_tonnes`` etc."""

    class Meta:
        model = Container

    site = factory.SubFactory(SiteFactory)
    organization = factory.SelfAttribute("site.organization")
    kind = WasteKind.HAZARDOUS
    waste_code = factory.SubFactory(WasteCodeFactory)
    internal_name = "废机油"
    process = "设备维修"
    form = WasteForm.LIQUID
    hazardous_components = "矿物油"
    package_type = PackageType.DRUM
    volume_litres = Decimal("200.0")
    count = 1
    produced_on = factory.LazyFunction(timezone.localdate)
    status = ContainerStatus.PRODUCED


class ScaleDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScaleDevice

    organization = factory.SubFactory(OrganizationFactory)
    device_id = factory.Sequence(lambda n: f"SCALE-{n:04d}")
    name = "地磅"
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
