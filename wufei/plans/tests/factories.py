"""factory_boy factories for plans (other apps' tests, e.g. the ledger's, use them too).

``FiledPlanFactory(site=site, year=2026)`` makes a filed, current plan with a filing number;
``PlanWasteFactory(plan=plan, waste_code=code)`` lists a waste on it. Factories write rows
directly (no audit events); tests of the rules go through ``plans.actions``.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from wufei.catalog.tests.factories import TreatmentMethodFactory, WasteCodeFactory
from wufei.plans.models import (
    ManagementPlan,
    PlanReduction,
    PlanStatus,
    PlanWaste,
    ReceiverType,
    TransferType,
    WasteForm,
)
from wufei.registry.models import FacilityKind, Site
from wufei.registry.tests.factories import FacilityFactory, OrganizationFactory, SiteFactory

#: The Table A.1 items a plan needs from the registry before it can be filed.
A1_FIELDS = {
    "legal_representative": "张三",
    "contact_phone": "0575-88001234",
    "industry_code": "C2614",
    "industry_name": "有机化学原料制造",
}


def plan_site(management_class: str = "registered", **org_fields) -> Site:
    """A site of a producer whose Table A.1 items are complete, with a storage facility."""
    org = OrganizationFactory(
        management_class=management_class,
        management_class_derived=management_class,
        **{**A1_FIELDS, **org_fields},
    )
    site = SiteFactory(organization=org)
    FacilityFactory(site=site, code="TS001", kind=FacilityKind.STORAGE)
    return site


class ManagementPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan (version 1, current) for a new site."""

    class Meta:
        model = ManagementPlan

    site = factory.SubFactory(SiteFactory)
    year = 2026
    revision = 1
    is_current = True
    status = PlanStatus.DRAFT
    management_class = factory.LazyAttribute(
        lambda o: o.site.organization.management_class or "registered"
    )
    technical_lead = "李工"
    technical_lead_phone = "13900000000"


class FiledPlanFactory(ManagementPlanFactory):
    """A filed, current plan with a filing number."""

    status = PlanStatus.FILED
    filing_number = factory.Sequence(lambda n: f"GF2026330602{n + 1:05d}")
    filed_at = factory.LazyFunction(timezone.now)
    basic_info = factory.LazyAttribute(
        lambda o: {"name": o.site.organization.name, "uscc": o.site.organization.uscc}
    )


class PlanWasteFactory(factory.django.DjangoModelFactory):
    """A waste line; by default a test code of a test edition, transferred within the province."""

    class Meta:
        model = PlanWaste

    plan = factory.SubFactory(ManagementPlanFactory)
    process = "设备维修"
    internal_name = factory.Sequence(lambda n: f"废物{n}")
    waste_code = factory.SubFactory(WasteCodeFactory)
    hazardous_components = "矿物油"
    form = WasteForm.LIQUID
    annual_tonnes = Decimal("12.5000")
    internal_treatment = "贮存后委外处置"
    packaging = "200L铁桶"
    transfer_type = TransferType.IN_PROVINCE
    transfer_tonnes = Decimal("12.5000")
    transfer_method = factory.SubFactory(TreatmentMethodFactory)
    receiver_type = ReceiverType.LICENSED
    receiver_permit_number = "浙危废经第0001号"


class PlanReductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanReduction

    plan = factory.SubFactory(ManagementPlanFactory)
    measure = "优化清洗工艺，减少废有机溶剂产生量"
    expected_effect = "减少10%"
