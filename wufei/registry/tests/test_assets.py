import datetime as dt
from decimal import Decimal

import pytest

from wufei.catalog.models import CatalogueEdition, TreatmentMethod, WasteCategory, WasteCode
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.registry import actions
from wufei.registry.models import Facility, Permit, PermitScope, Site, Vehicle

from .factories import (
    DriverFactory,
    OrganizationFactory,
    SiteFactory,
    VehicleFactory,
    member_of,
    regulator,
)

pytestmark = pytest.mark.django_db


def waste_code(code: str = "900-249-08") -> WasteCode:
    edition, _ = CatalogueEdition.objects.get_or_create(
        code="2021",
        defaults={
            "title": "国家危险废物名录（2021年版）",
            "effective_from": dt.date(2021, 1, 1),
            "is_current": True,
        },
    )
    category, _ = WasteCategory.objects.get_or_create(
        edition=edition, code="HW" + code[-2:], defaults={"name": "废矿物油与含矿物油废物"}
    )
    wc, _ = WasteCode.objects.get_or_create(
        edition=edition,
        code=code,
        defaults={
            "category": category,
            "industry_code": code[:3],
            "industry_source": "非特定行业",
            "description": "其他生产、销售、使用过程中产生的废矿物油",
            "hazard": "T,I",
            "hazard_mode": "all",
        },
    )
    return wc


def method(code: str = "D10") -> TreatmentMethod:
    m, _ = TreatmentMethod.objects.get_or_create(
        code=code, defaults={"kind": "disposal", "name": "焚烧", "verified": "V"}
    )
    return m


# --- sites and facilities -----------------------------------------------------------------------


def test_member_creates_site_with_audit(db):
    org = OrganizationFactory()
    site = actions.create_site(
        member_of(org, "member"),
        org,
        name="一厂区",
        region="330602",
        address="越城区1号",
        longitude="120.58",
        latitude="30.0",
    )
    assert site.organization == org and site.longitude == Decimal("120.580000")
    assert AuditEvent.objects.filter(action="registry.site.create", object_id=str(site.pk)).exists()


def test_reader_and_regulator_cannot_add_site(city_regulator):
    org = OrganizationFactory()
    with pytest.raises(Forbidden):
        actions.create_site(member_of(org, "reader"), org, name="x", region="330602", address="y")
    with pytest.raises(Forbidden):
        actions.create_site(city_regulator, org, name="x", region="330602", address="y")
    assert not Site.objects.exists()


def test_site_bad_coordinate(db):
    org = OrganizationFactory()
    with pytest.raises(ValidationFailed) as exc:
        actions.create_site(
            member_of(org), org, name="x", region="330602", address="y", latitude="95"
        )
    assert exc.value.field == "latitude"


def test_update_site(db):
    site = SiteFactory()
    admin = member_of(site.organization)
    site = actions.update_site(admin, site, version=1, name="新厂区")
    assert site.version == 2
    with pytest.raises(Conflict):
        actions.update_site(admin, site, version=1, name="又改")


def test_facility_code_unique_per_site(db):
    site = SiteFactory()
    admin = member_of(site.organization)
    actions.create_facility(
        admin,
        site,
        code="TS001",
        name="库",
        kind="storage",
        capacity_tonnes="10",
        methods=[method()],
    )
    with pytest.raises(ValidationFailed) as exc:
        actions.create_facility(
            admin, site, code="TS001", name="库2", kind="storage", capacity_tonnes="10"
        )
    assert exc.value.code == "registry.facility_code_duplicate"
    with pytest.raises(ValidationFailed) as exc:
        actions.create_facility(
            admin, site, code="TS002", name="库2", kind="storage", capacity_tonnes="0"
        )
    assert exc.value.field == "capacity_tonnes"
    with pytest.raises(ValidationFailed) as exc:
        actions.create_facility(
            admin, site, code="TS003", name="库3", kind="pond", capacity_tonnes="1"
        )
    assert exc.value.field == "kind"
    assert Facility.objects.count() == 1


# --- permits --------------------------------------------------------------------------------------


def _permit(actor, org, **kw):
    data = {
        "number": "3306000001",
        "issuer": "绍兴市生态环境局",
        "issued_on": "2024-01-01",
        "valid_from": "2024-01-01",
        "valid_until": "2028-12-31",
        "scopes": [
            {
                "waste_code": waste_code(),
                "category": None,
                "annual_capacity_tonnes": "3000",
                "methods": [method()],
            }
        ],
    }
    data.update(kw)
    return actions.create_permit(actor, org, **data)


def test_regulator_records_permit_with_scopes(city_regulator):
    org = OrganizationFactory(is_producer=False, is_receiver=True)
    permit = _permit(city_regulator, org)
    scope = permit.scopes.get()
    assert scope.waste_code.code == "900-249-08" and list(
        scope.methods.values_list("code", flat=True)
    ) == ["D10"]
    assert permit.total_capacity_tonnes == Decimal("3000")
    event = AuditEvent.objects.get(action="registry.permit.create")
    assert event.after["scopes"][0]["waste_code"] == "900-249-08"


def test_permit_rules(city_regulator):
    org = OrganizationFactory(is_producer=False, is_receiver=True)
    with pytest.raises(ValidationFailed) as exc:
        _permit(city_regulator, org, valid_until="2023-01-01")
    assert exc.value.field == "valid_until"
    with pytest.raises(ValidationFailed) as exc:
        _permit(city_regulator, org, scopes=[])
    assert exc.value.field == "scopes"
    with pytest.raises(ValidationFailed) as exc:
        _permit(
            city_regulator,
            org,
            scopes=[{"waste_code": "999-999-99", "annual_capacity_tonnes": "1"}],
        )
    assert exc.value.field == "scopes.0.waste_code"
    with pytest.raises(ValidationFailed) as exc:
        _permit(city_regulator, OrganizationFactory(), number="X")
    assert exc.value.code == "registry.permit_holder_role"
    assert not Permit.objects.exists() and not PermitScope.objects.exists()


def test_permit_number_unique(city_regulator):
    org = OrganizationFactory(is_producer=False, is_receiver=True)
    _permit(city_regulator, org)
    with pytest.raises(ValidationFailed) as exc:
        _permit(city_regulator, org)
    assert exc.value.code == "registry.permit_number_duplicate"


def test_holder_cannot_record_permit(db):
    org = OrganizationFactory(is_producer=False, is_receiver=True)
    with pytest.raises(Forbidden):
        _permit(member_of(org), org)


def test_update_permit_scopes_and_status(city_regulator):
    org = OrganizationFactory(is_producer=False, is_receiver=True)
    permit = _permit(city_regulator, org)
    permit = actions.update_permit(
        city_regulator,
        permit,
        version=1,
        scopes=[
            {
                "category": waste_code().category,
                "annual_capacity_tonnes": "5000",
                "methods": ["D10"],
            }
        ],
    )
    assert permit.version == 2 and permit.scopes.get().category.code == "HW08"
    permit = actions.set_permit_status(city_regulator, permit, "suspended", reason="限期整改")
    assert permit.status == "suspended"
    with pytest.raises(Conflict):
        actions.set_permit_status(city_regulator, permit, "suspended", reason="again")
    actions.set_permit_status(city_regulator, permit, "revoked", reason="吊销")
    with pytest.raises(Conflict):
        actions.set_permit_status(city_regulator, permit, "valid", reason="恢复")
    with pytest.raises(NotFound):
        actions.set_permit_status(regulator("3301"), permit, "valid", reason="x")


# --- vehicles and drivers ------------------------------------------------------------------------


@pytest.mark.parametrize("plate", ["浙D12345", "浙AD12345", "浙 d 12345", "沪A1234挂"])
def test_valid_plates(db, plate):
    org = OrganizationFactory(is_producer=False, is_carrier=True)
    v = actions.create_vehicle(
        member_of(org), org, plate=plate, transport_permit_no="浙交运001", load_limit_tonnes="10"
    )
    assert v.plate == plate.replace(" ", "").upper()


@pytest.mark.parametrize("plate", ["D12345", "浙12345", "浙D1234", "浙DI2345", "XX", "浙D1234567"])
def test_invalid_plates(db, plate):
    org = OrganizationFactory(is_producer=False, is_carrier=True)
    with pytest.raises(ValidationFailed) as exc:
        actions.create_vehicle(
            member_of(org), org, plate=plate, transport_permit_no="x", load_limit_tonnes="10"
        )
    assert exc.value.code == "registry.plate_invalid" and exc.value.field == "plate"
    assert "浙D12345" in str(exc.value.message)


def test_vehicle_needs_carrier_and_unique_plate(db):
    producer = OrganizationFactory()
    with pytest.raises(ValidationFailed) as exc:
        actions.create_vehicle(
            member_of(producer),
            producer,
            plate="浙D12345",
            transport_permit_no="x",
            load_limit_tonnes="10",
        )
    assert exc.value.code == "registry.not_a_carrier"
    VehicleFactory(plate="浙D12345")
    carrier = OrganizationFactory(is_producer=False, is_carrier=True)
    with pytest.raises(ValidationFailed) as exc:
        actions.create_vehicle(
            member_of(carrier),
            carrier,
            plate="浙D12345",
            transport_permit_no="x",
            load_limit_tonnes="10",
        )
    assert exc.value.code == "registry.plate_duplicate"
    assert Vehicle.objects.count() == 1


def test_update_vehicle_audits_diff(db):
    vehicle = VehicleFactory()
    vehicle = actions.update_vehicle(
        member_of(vehicle.organization), vehicle, version=1, load_limit_tonnes="12.5"
    )
    event = AuditEvent.objects.get(action="registry.vehicle.update")
    assert event.after == {"load_limit_tonnes": "12.5000"}


def test_driver_create_update(db):
    org = OrganizationFactory(is_producer=False, is_carrier=True)
    admin = member_of(org)
    d = actions.create_driver(
        admin,
        org,
        name="张师傅",
        phone="13800001111",
        qualification_no="330600001",
        qualification_valid_until="2027-06-30",
    )
    assert d.qualification_valid_until == dt.date(2027, 6, 30)
    with pytest.raises(ValidationFailed) as exc:
        actions.create_driver(
            admin, org, name="李师傅", phone="13800001112", qualification_no="330600001"
        )
    assert exc.value.field == "qualification_no"
    with pytest.raises(ValidationFailed) as exc:
        actions.create_driver(admin, org, name="李师傅", phone="12", qualification_no="330600002")
    assert exc.value.field == "phone"
    d = actions.update_driver(admin, d, phone="13800002222")
    assert d.phone == "13800002222" and d.version == 2


def test_driver_sees_but_cannot_change_own_record(db):
    org = OrganizationFactory(is_producer=False, is_carrier=True)
    driver_user = member_of(org, "driver")
    d = DriverFactory(organization=org, user=driver_user)
    assert type(d).objects.restrict(driver_user, "view").filter(pk=d.pk).exists()
    with pytest.raises(NotFound):
        actions.update_driver(driver_user, d, name="改名")
