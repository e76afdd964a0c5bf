import pytest
from django.urls import reverse

from wufei.catalog.tests.factories import TreatmentMethodFactory, WasteCodeFactory
from wufei.plans.models import ManagementPlan, PlanStatus
from wufei.registry.models import MembershipRole
from wufei.registry.tests.factories import OrganizationFactory, member_of

from .factories import FiledPlanFactory, PlanWasteFactory, plan_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    site = plan_site("simplified")
    client.force_login(member_of(site.organization, MembershipRole.MEMBER))
    client.site = site
    return client


def test_create_add_lines_file_and_print_receipt(owner):
    site = owner.site
    r = owner.post(
        reverse("plans:plan_create"),
        {
            "site": site.pk,
            "year": 2026,
            "technical_lead": "李工",
            "technical_lead_phone": "13900000000",
        },
    )
    plan = ManagementPlan.objects.get(site=site)
    assert r.status_code == 302 and r["Location"] == reverse("plans:plan_detail", args=[plan.pk])
    page = owner.get(r["Location"]).content.decode()
    assert 'data-testid="problems"' in page and "表A.6" in page
    assert b"style=" not in owner.get(r["Location"]).content
    code, method = WasteCodeFactory(), TreatmentMethodFactory()
    facility = site.facilities.get()
    r = owner.post(
        reverse("plans:waste_create", args=[plan.pk]),
        {
            "process": "维修",
            "internal_name": "废机油",
            "waste_code": "",
            "form": "liquid",
            "annual_tonnes": "3",
        },
    )
    assert r.status_code == 200 and "field-error" in r.content.decode()  # beside the field
    r = owner.post(
        reverse("plans:waste_create", args=[plan.pk]),
        {
            "process": "维修",
            "internal_name": "废机油",
            "waste_code": str(code.pk),
            "form": "liquid",
            "annual_tonnes": "3",
            "storage_facility": facility.pk,
            "packaging": "铁桶",
            "transfer_type": "in_province",
            "transfer_tonnes": "3",
            "transfer_method": method.code,
            "receiver_type": "licensed",
            "receiver_permit_number": "浙危废经第0001号",
        },
    )
    assert r.status_code == 302, r.content.decode()
    r = owner.post(reverse("plans:plan_file", args=[plan.pk]))
    assert r.status_code == 302
    messages = [str(m) for m in r.wsgi_request._messages]
    assert any("表A.6" in m for m in messages)
    owner.post(reverse("plans:reduction_create", args=[plan.pk]), {"measure": "源头减量"})
    r = owner.post(reverse("plans:plan_file", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED
    assert r["Location"] == reverse("plans:plan_receipt", args=[plan.pk])
    receipt = owner.get(r["Location"]).content.decode()
    assert plan.filing_number in receipt and code.code in receipt and plan.receipt_digest in receipt
    assert "style=" not in receipt
    detail = owner.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "plans.plan.file" in detail and reverse("plans:plan_amend", args=[plan.pk]) in detail


def test_edit_line_and_amend(owner):
    line = PlanWasteFactory(plan__site=owner.site)
    r = owner.get(reverse("plans:waste_update", args=[line.pk]))
    assert r.status_code == 200 and line.waste_code.code in r.content.decode()
    r = owner.post(
        reverse("plans:waste_update", args=[line.pk]),
        {
            **dict.fromkeys(("source_facility", "hazardous_components"), ""),
            "process": "清洗",
            "internal_name": line.internal_name,
            "waste_code": str(line.waste_code.pk),
            "form": "liquid",
            "annual_tonnes": "7",
            "version": "1",
        },
    )
    assert r.status_code == 302
    line.refresh_from_db()
    assert line.process == "清洗" and str(line.annual_tonnes) == "7.0000"
    filed = FiledPlanFactory(site=owner.site, year=2025)
    r = owner.post(reverse("plans:plan_amend", args=[filed.pk]), {"reason": "新增废物"})
    new = ManagementPlan.objects.get(site=owner.site, year=2025, revision=2)
    assert r["Location"] == reverse("plans:plan_detail", args=[new.pk])


def test_list_filters_export_and_scope(client, city_regulator):
    mine = FiledPlanFactory(site=plan_site())
    client.force_login(city_regulator)
    r = client.get(reverse("plans:plan_list"), {"year": "2026", "status": "filed"})
    assert r.status_code == 200 and mine.filing_number in r.content.decode()
    r = client.get(reverse("plans:plan_list"), {"status": "draft"})
    assert mine.filing_number not in r.content.decode()
    export = client.get(reverse("plans:plan_list"), {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("plans:plan_receipt", args=[mine.pk])).status_code == 200
    assert client.get(reverse("plans:plan_create")).status_code == 404  # regulators do not draft


def test_strangers_get_404(client):
    plan = FiledPlanFactory(site=plan_site())
    client.force_login(member_of(OrganizationFactory()))
    for name in ("plan_detail", "plan_receipt", "plan_amend", "plan_update"):
        assert client.get(reverse(f"plans:{name}", args=[plan.pk])).status_code == 404, name
    assert client.post(reverse("plans:plan_file", args=[plan.pk])).status_code == 404
