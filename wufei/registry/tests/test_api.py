import pytest
from rest_framework.test import APIClient

from wufei.core.models import AuditEvent
from wufei.registry.models import Membership, Organization, Site, Vehicle

from .factories import (
    OrganizationFactory,
    SiteFactory,
    UserFactory,
    VehicleFactory,
    make_uscc,
    member_of,
)

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_organization_through_action(city_regulator, county):
    r = api(city_regulator).post(
        "/api/v1/organizations/",
        {
            "uscc": make_uscc(11),
            "name": "接口单位",
            "region": "330602",
            "roles": ["producer"],
            "annual_hazardous_tonnes": "15",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.data["management_class"] == "simplified" and r["ETag"] == '"1"'
    assert AuditEvent.objects.filter(action="registry.organization.create").count() == 1
    r = api(city_regulator).get(f"/api/v1/organizations/{make_uscc(11)}/")
    assert r.status_code == 200 and r.data["name"] == "接口单位"


def test_bad_uscc_error_body(city_regulator, county):
    r = api(city_regulator).post(
        "/api/v1/organizations/",
        {"uscc": "91330602000000001X", "name": "x", "region": "330602", "roles": ["producer"]},
        format="json",
    )
    assert r.status_code == 400
    assert (
        r.json()["code"] == "registry.uscc_invalid"
        and r.json()["field"] == "uscc"
        and r.json()["message"]
    )


def test_idempotency_key_replay_writes_nothing(city_regulator, county):
    client = api(city_regulator)
    body = {"uscc": make_uscc(12), "name": "幂等", "region": "330602", "roles": ["producer"]}
    first = client.post("/api/v1/organizations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    events = AuditEvent.objects.count()
    second = client.post("/api/v1/organizations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert (
        Organization.objects.filter(uscc=make_uscc(12)).count() == 1
        and AuditEvent.objects.count() == events
    )


def test_patch_if_match(db):
    org = OrganizationFactory()
    client = api(member_of(org))
    r = client.patch(
        f"/api/v1/organizations/{org.uscc}/",
        {"contact_name": "王工"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert r.status_code == 200 and r["ETag"] == '"2"'
    r = client.patch(
        f"/api/v1/organizations/{org.uscc}/",
        {"contact_name": "李工"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    org.refresh_from_db()
    assert org.contact_name == "王工"


def test_other_orgs_objects_are_404(db):
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    outsider = api(member_of(OrganizationFactory()))
    assert outsider.get(f"/api/v1/organizations/{org.uscc}/").status_code == 404
    assert outsider.get(f"/api/v1/sites/{site.pk}/").status_code == 404
    r = outsider.patch(f"/api/v1/sites/{site.pk}/", {"name": "x"}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert outsider.get("/api/v1/sites/").json()["results"] == []


def test_site_vehicle_driver_crud(db):
    carrier = OrganizationFactory(is_producer=False, is_carrier=True)
    client = api(member_of(carrier))
    r = client.post(
        "/api/v1/sites/",
        {
            "organization": carrier.uscc,
            "name": "车队场站",
            "region": "330602",
            "address": "越城区2号",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert Site.objects.get(pk=r.data["id"]).organization == carrier
    r = client.post(
        "/api/v1/vehicles/",
        {
            "organization": carrier.uscc,
            "plate": "浙D1234",
            "transport_permit_no": "A1",
            "load_limit_tonnes": "9",
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["field"] == "plate"
    r = client.post(
        "/api/v1/vehicles/",
        {
            "organization": carrier.uscc,
            "plate": "浙D54321",
            "transport_permit_no": "A1",
            "load_limit_tonnes": "9",
        },
        format="json",
    )
    assert r.status_code == 201 and r.data["load_limit_tonnes"] == "9.0000"
    r = client.patch(
        f"/api/v1/vehicles/{r.data['id']}/", {"load_limit_tonnes": "10"}, format="json"
    )
    assert r.status_code == 200 and r.data["version"] == 2
    r = client.post(
        "/api/v1/drivers/",
        {
            "organization": carrier.uscc,
            "name": "赵师傅",
            "phone": "13811112222",
            "qualification_no": "Q1",
        },
        format="json",
    )
    assert r.status_code == 201


def test_facility_and_permit_api(city_regulator):
    org = OrganizationFactory(is_receiver=True)
    site = SiteFactory(organization=org)
    r = api(member_of(org)).post(
        "/api/v1/facilities/",
        {
            "site": site.pk,
            "code": "CZ1",
            "name": "焚烧",
            "kind": "disposal",
            "capacity_tonnes": "1000",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    org.refresh_from_db()
    assert org.management_class == "key"
    from .test_assets import waste_code

    waste_code()
    r = api(city_regulator).post(
        "/api/v1/permits/",
        {
            "organization": org.uscc,
            "number": "3306-01",
            "issuer": "绍兴市生态环境局",
            "issued_on": "2024-01-01",
            "valid_from": "2024-01-01",
            "valid_until": "2029-01-01",
            "scopes": [{"waste_code": "900-249-08", "annual_capacity_tonnes": "2000"}],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.data["scopes"][0]["waste_code"] == "900-249-08"
    r = api(city_regulator).post(
        f"/api/v1/permits/{r.data['id']}/status/",
        {"status": "suspended", "reason": "整改"},
        format="json",
    )
    assert r.status_code == 200 and r.data["status"] == "suspended"


def test_management_class_endpoint(city_regulator, county_regulator):
    org = OrganizationFactory()
    r = api(county_regulator).post(
        f"/api/v1/organizations/{org.uscc}/management-class/",
        {"management_class": "key", "reason": "x"},
        format="json",
    )
    assert r.status_code == 403 and r.json()["code"] == "registry.override_not_allowed"
    r = api(city_regulator).post(
        f"/api/v1/organizations/{org.uscc}/management-class/",
        {"management_class": "key", "reason": ""},
        format="json",
    )
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = api(city_regulator).post(
        f"/api/v1/organizations/{org.uscc}/management-class/",
        {"management_class": "key", "reason": "重点区域"},
        format="json",
    )
    assert r.status_code == 200 and r.data["management_class"] == "key"


def test_membership_api(db):
    org = OrganizationFactory()
    admin = member_of(org)
    client = api(admin)
    newbie = UserFactory(username="newbie")
    r = client.post(
        "/api/v1/memberships/",
        {"organization": org.uscc, "user": "newbie", "role": "member"},
        format="json",
    )
    assert r.status_code == 201
    mid = r.data["id"]
    assert (
        client.patch(f"/api/v1/memberships/{mid}/", {"role": "reader"}, format="json").data["role"]
        == "reader"
    )
    r = client.delete(f"/api/v1/memberships/{mid}/")
    assert r.status_code == 200 and r.data["is_active"] is False
    own = Membership.objects.get(user=admin)
    r = client.delete(f"/api/v1/memberships/{own.pk}/")
    assert r.status_code == 409 and r.json()["code"] == "registry.last_admin"
    assert newbie.memberships.get().is_active is False


def test_vehicle_list_is_restricted(db):
    VehicleFactory()
    mine = VehicleFactory()
    client = api(member_of(mine.organization))
    plates = [v["plate"] for v in client.get("/api/v1/vehicles/").json()["results"]]
    assert plates == [mine.plate]
    assert Vehicle.objects.count() == 2


def test_schema_generates(client, superuser):
    client.force_login(superuser)
    r = client.get("/api/schema/")
    assert r.status_code == 200 and b"/api/v1/organizations/{uscc}/management-class/" in r.content
