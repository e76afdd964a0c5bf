import pytest
from rest_framework.test import APIClient

from wufei.catalog.tests.factories import TreatmentMethodFactory, WasteCodeFactory
from wufei.core.models import AuditEvent
from wufei.plans.models import ManagementPlan, PlanStatus
from wufei.registry.models import MembershipRole
from wufei.registry.tests.factories import OrganizationFactory, member_of

from .factories import FiledPlanFactory, PlanWasteFactory, plan_site

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_full_flow_through_the_api():
    site = plan_site()
    client = api(member_of(site.organization, MembershipRole.MEMBER))
    r = client.post(
        "/api/v1/management-plans/",
        {"site": site.pk, "year": "2026", "technical_lead": "李工"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="plan-1",
    )
    assert r.status_code == 201, r.content
    pid = r.data["id"]
    again = client.post(
        "/api/v1/management-plans/",
        {"site": site.pk, "year": "2026", "technical_lead": "李工"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="plan-1",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert ManagementPlan.objects.filter(site=site).count() == 1
    r = client.patch(
        f"/api/v1/management-plans/{pid}/",
        {"technical_lead_phone": "13900000000"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert r.status_code == 200 and r["ETag"] == '"2"'
    code, method = WasteCodeFactory(), TreatmentMethodFactory()
    line = {
        "process": "维修",
        "internal_name": "废机油",
        "waste_code": code.pk,
        "form": "liquid",
        "annual_tonnes": "3.5",
        "transfer_type": "in_province",
        "transfer_tonnes": "3.5",
        "transfer_method": method.code,
        "receiver_type": "licensed",
        "receiver_permit_number": "浙危废经第0001号",
    }
    r = client.post(f"/api/v1/management-plans/{pid}/wastes/", line, format="json")
    assert r.status_code == 201, r.content
    assert r.data["waste_code"] == code.code and r.data["annual_tonnes"] == "3.5000"
    lid = r.data["id"]
    r = client.patch(
        f"/api/v1/management-plans/{pid}/wastes/{lid}/", {"annual_tonnes": "4"}, format="json"
    )
    assert r.status_code == 200 and r.data["annual_tonnes"] == "4.0000"
    r = client.post(f"/api/v1/management-plans/{pid}/file/", HTTP_IDEMPOTENCY_KEY="file-1")
    assert r.status_code == 200, r.content
    assert r.data["status"] == "filed" and r.data["filing_number"].startswith("GF")
    assert r.data["wastes"][0]["catalogue_edition"] == code.edition.code
    r = client.post(f"/api/v1/management-plans/{pid}/amend/", {"reason": "新增"}, format="json")
    assert r.status_code == 201 and r.data["revision"] == 2 and r.data["supersedes"] == pid
    r = client.get("/api/v1/management-plans/", {"site": site.pk, "current": "1"})
    assert [p["id"] for p in r.data["results"]] == [pid]


def test_errors_have_codes_and_fields():
    site = plan_site()
    client = api(member_of(site.organization))
    r = client.post("/api/v1/management-plans/", {"site": site.pk, "year": "x"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "plans.year_invalid"
    assert r.json()["field"] == "year"
    r = client.post("/api/v1/management-plans/", {"site": 999999, "year": "2026"}, format="json")
    assert r.status_code == 404
    pid = client.post(
        "/api/v1/management-plans/", {"site": site.pk, "year": "2026"}, format="json"
    ).data["id"]
    r = client.post(f"/api/v1/management-plans/{pid}/file/")
    assert r.status_code == 400 and r.json()["code"] == "plans.incomplete"
    assert r.json()["details"]["problems"]
    r = client.post(f"/api/v1/management-plans/{pid}/wastes/", {"waste_code": "abc"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "process"
    r = client.post(f"/api/v1/management-plans/{pid}/amend/", {"reason": "x"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "plans.not_amendable"


def test_filed_plan_is_read_only_and_others_see_nothing(county_regulator, city_regulator):
    line = PlanWasteFactory(plan=FiledPlanFactory(site=plan_site()))
    plan = line.plan
    owner = api(member_of(plan.site.organization))
    r = owner.patch(
        f"/api/v1/management-plans/{plan.pk}/wastes/{line.pk}/", {"packaging": "x"}, format="json"
    )
    assert r.status_code == 409 and r.json()["code"] == "plans.not_draft"
    reader = api(member_of(plan.site.organization, MembershipRole.READER))
    assert reader.get(f"/api/v1/management-plans/{plan.pk}/").status_code == 200
    assert (
        reader.post(f"/api/v1/management-plans/{plan.pk}/amend/", {"reason": "x"}).status_code
        == 404
    )
    stranger = api(member_of(OrganizationFactory()))
    assert stranger.get(f"/api/v1/management-plans/{plan.pk}/").status_code == 404
    for regulator in (county_regulator, city_regulator):
        r = api(regulator).get(f"/api/v1/management-plans/{plan.pk}/")
        assert r.status_code == 200 and r.data["wastes"][0]["id"] == line.pk
        assert (
            api(regulator)
            .post(f"/api/v1/management-plans/{plan.pk}/amend/", {"reason": "x"})
            .status_code
            == 404
        )
    assert not AuditEvent.objects.filter(action="plans.plan.amend").exists()
    assert plan.status == PlanStatus.FILED
