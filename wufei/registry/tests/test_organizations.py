from decimal import Decimal

import pytest

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.registry import actions
from wufei.registry.models import FacilityKind, Organization

from .factories import (
    OrganizationFactory,
    SiteFactory,
    make_uscc,
    member_of,
    region,
    regulator,
)

pytestmark = pytest.mark.django_db


def _create(actor, **kw):
    data = {
        "uscc": make_uscc(900001),
        "name": "绍兴测试化工有限公司",
        "region": "330602",
        "roles": ["producer"],
        "annual_hazardous_tonnes": Decimal("12.5"),
    }
    data.update(kw)
    return actions.create_organization(actor, **data)


def test_create_organization_writes_row_and_audit(city_regulator, county):
    org = _create(city_regulator, contact_phone="13912345678")
    assert org.pk and org.region == county and org.is_producer
    assert org.management_class == "simplified" == org.management_class_derived
    event = AuditEvent.objects.get(action="registry.organization.create", object_id=str(org.pk))
    assert event.after["uscc"] == org.uscc and event.organization_id_ref == org.pk
    assert event.region_prefix == "330602"


def test_bad_uscc_is_refused_with_chinese_message_and_field(city_regulator, county):
    bad = make_uscc(900001)[:-1] + ("0" if make_uscc(900001)[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        _create(city_regulator, uscc=bad)
    assert exc.value.code == "registry.uscc_invalid" and exc.value.field == "uscc"
    assert "统一社会信用代码校验失败" in str(exc.value.message)
    assert not Organization.objects.filter(name="绍兴测试化工有限公司").exists()
    assert not AuditEvent.objects.filter(action="registry.organization.create").exists()


@pytest.mark.parametrize("uscc", ["123", "9133060ABCDEFGHIJK", ""])
def test_malformed_uscc(city_regulator, county, uscc):
    with pytest.raises(ValidationFailed) as exc:
        _create(city_regulator, uscc=uscc)
    assert exc.value.field == "uscc"


def test_duplicate_uscc(city_regulator, county):
    _create(city_regulator)
    with pytest.raises(ValidationFailed) as exc:
        _create(city_regulator, name="另一家")
    assert exc.value.code == "registry.uscc_duplicate"
    assert Organization.objects.filter(uscc=make_uscc(900001)).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("region", "999999", "registry.region_unknown"),
        ("roles", ["painter"], "registry.role_unknown"),
        ("roles", [], "registry.roles_required"),
        ("contact_phone", "12345", "registry.phone_invalid"),
        ("contact_email", "not-an-email", "registry.email_invalid"),
        ("annual_hazardous_tonnes", "-1", "registry.tonnes_invalid"),
        ("annual_hazardous_tonnes", "1.23456", "registry.tonnes_invalid"),
        ("name", "  ", "registry.required"),
    ],
)
def test_bad_fields_name_the_field(city_regulator, county, field, value, code):
    with pytest.raises(ValidationFailed) as exc:
        _create(city_regulator, **{field: value})
    assert exc.value.code == code
    assert exc.value.field == field
    assert Organization.objects.filter(is_regulator=False).count() == 0


def test_create_outside_jurisdiction_is_forbidden(county):
    hangzhou = regulator("3301")
    with pytest.raises(Forbidden):
        _create(hangzhou)


def test_org_member_cannot_create(county):
    org = OrganizationFactory()
    with pytest.raises(Forbidden):
        _create(member_of(org))


def test_update_bumps_version_and_audits(city_regulator):
    org = OrganizationFactory()
    org = actions.update_organization(
        city_regulator, org, version=1, name="新名称", annual_hazardous_tonnes="150"
    )
    assert org.version == 2 and org.name == "新名称" and org.management_class == "key"
    event = AuditEvent.objects.get(action="registry.organization.update")
    assert event.before["name"].startswith("测试单位") and event.after["name"] == "新名称"


def test_update_stale_version_conflicts(city_regulator):
    org = OrganizationFactory()
    with pytest.raises(Conflict):
        actions.update_organization(city_regulator, org, version=7, name="x")


def test_admin_may_edit_contacts_but_not_roles(db):
    org = OrganizationFactory()
    admin = member_of(org)
    actions.update_organization(admin, org, contact_name="王工")
    with pytest.raises(Forbidden) as exc:
        actions.update_organization(admin, org, roles=["carrier"])
    assert exc.value.field == "roles"


def test_reader_cannot_update(db):
    org = OrganizationFactory()
    with pytest.raises(NotFound):
        actions.update_organization(member_of(org, "reader"), org, name="x")


def test_other_org_cannot_see(db):
    org = OrganizationFactory()
    other = member_of(OrganizationFactory())
    with pytest.raises(NotFound):
        actions.update_organization(other, org, name="x")


# --- management class (HJ 1259 §4.2) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("tonnes", "expected"),
    [
        (None, "registered"),
        ("9.9999", "registered"),
        ("10", "simplified"),
        ("99.9999", "simplified"),
        ("100", "key"),
    ],
)
def test_derivation_by_amount(db, tonnes, expected):
    org = OrganizationFactory(annual_hazardous_tonnes=tonnes)
    assert actions.derive_management_class(org) == expected


def test_non_producer_has_no_class(db):
    assert (
        actions.derive_management_class(OrganizationFactory(is_producer=False, is_carrier=True))
        == ""
    )


def test_own_disposal_facility_makes_key(db):
    org = OrganizationFactory(annual_hazardous_tonnes=Decimal("1"))
    admin = member_of(org)
    site = SiteFactory(organization=org)
    actions.create_facility(
        admin, site, code="TS001", name="贮存库", kind=FacilityKind.STORAGE, capacity_tonnes="5"
    )
    org.refresh_from_db()
    assert org.management_class == "registered"
    facility = actions.create_facility(
        admin, site, code="CZ001", name="焚烧炉", kind=FacilityKind.DISPOSAL, capacity_tonnes="3000"
    )
    org.refresh_from_db()
    assert org.management_class == "key"
    assert (
        AuditEvent.objects.filter(action="registry.organization.management_class_derived").count()
        == 1
    )
    actions.update_facility(admin, facility, is_active=False)
    org.refresh_from_db()
    assert org.management_class == "registered"


def test_valid_permit_makes_key(city_regulator):
    org = OrganizationFactory(is_receiver=True, annual_hazardous_tonnes=Decimal("1"))
    permit = actions.create_permit(
        city_regulator,
        org,
        number="浙危废经第0001号",
        issuer="绍兴市生态环境局",
        issued_on="2024-01-01",
        valid_from="2024-01-01",
        valid_until="2099-12-31",
        scopes=[
            {
                "waste_code": _code(),
                "category": None,
                "annual_capacity_tonnes": Decimal("500"),
                "methods": [],
            }
        ],
    )
    org.refresh_from_db()
    assert org.management_class == "key"
    actions.set_permit_status(city_regulator, permit, "revoked", reason="违法经营")
    org.refresh_from_db()
    assert org.management_class == "registered"


def _code():
    from .test_assets import waste_code

    return waste_code()


def test_override_by_city_bureau(city_regulator):
    org = OrganizationFactory(annual_hazardous_tonnes=Decimal("1"))
    org = actions.override_management_class(city_regulator, org, "key", reason="位于饮用水源保护区")
    assert (
        org.management_class,
        org.management_class_derived,
        org.management_class_overridden,
    ) == ("key", "registered", True)
    event = AuditEvent.objects.get(action="registry.organization.management_class_override")
    assert event.reason == "位于饮用水源保护区"
    # later updates keep the bureau's class
    org = actions.update_organization(city_regulator, org, annual_hazardous_tonnes="50")
    assert org.management_class == "key" and org.management_class_derived == "simplified"
    org = actions.clear_management_class_override(city_regulator, org, reason="撤销")
    assert org.management_class == "simplified" and not org.management_class_overridden


def test_override_needs_reason(city_regulator):
    org = OrganizationFactory()
    with pytest.raises(ValidationFailed) as exc:
        actions.override_management_class(city_regulator, org, "key", reason=" ")
    assert exc.value.field == "reason"


def test_county_bureau_may_not_override(county_regulator):
    org = OrganizationFactory()
    with pytest.raises(Forbidden):
        actions.override_management_class(county_regulator, org, "key", reason="x")


def test_other_city_may_not_override(db):
    org = OrganizationFactory()
    with pytest.raises(NotFound):
        actions.override_management_class(regulator("3301"), org, "key", reason="x")


def test_org_admin_may_not_override(db):
    org = OrganizationFactory()
    with pytest.raises(Forbidden):
        actions.override_management_class(member_of(org), org, "key", reason="x")


def test_province_bureau_may_override(db):
    org = OrganizationFactory(region=region("330602"))
    org = actions.override_management_class(regulator("33"), org, "simplified", reason="省级认定")
    assert org.management_class == "simplified"
