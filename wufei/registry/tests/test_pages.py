import pytest
from django.urls import reverse

from wufei.core.models import AuditEvent
from wufei.registry.models import Organization

from .factories import (
    DriverFactory,
    FacilityFactory,
    OrganizationFactory,
    PermitFactory,
    SiteFactory,
    VehicleFactory,
    make_uscc,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg_client(client, city_regulator):
    client.force_login(city_regulator)
    return client


def test_lists_render_with_filters_and_export(reg_client):
    org = OrganizationFactory(name="越城化工")
    SiteFactory(organization=org)
    FacilityFactory(site__organization=org)
    PermitFactory(organization__region=org.region)
    VehicleFactory(organization__region=org.region)
    DriverFactory(organization__region=org.region)
    for name in [
        "organization_list",
        "site_list",
        "facility_list",
        "permit_list",
        "vehicle_list",
        "driver_list",
        "membership_list",
    ]:
        response = reg_client.get(reverse(f"registry:{name}"), {"q": "", "region": "330602"})
        assert response.status_code == 200, name
        assert b"style=" not in response.content and b"<script>" not in response.content
        export = reg_client.get(reverse(f"registry:{name}"), {"export": "xlsx"})
        assert export["Content-Type"].startswith("application/vnd.openxmlformats"), name
    response = reg_client.get(
        reverse("registry:organization_list"), {"q": "越城", "role": "producer"}
    )
    assert "越城化工" in response.content.decode()
    response = reg_client.get(reverse("registry:organization_list"), {"management_class": "key"})
    assert "越城化工" not in response.content.decode()


def test_details_render_with_timeline(reg_client):
    org = OrganizationFactory()
    facility = FacilityFactory(site__organization=org)
    for _obj, name, arg in [
        (org, "organization_detail", org.uscc),
        (facility.site, "site_detail", facility.site.pk),
        (facility, "facility_detail", facility.pk),
    ]:
        response = reg_client.get(reverse(f"registry:{name}", args=[arg]))
        assert response.status_code == 200
        assert "timeline" in response.content.decode()


def test_create_with_bad_uscc_shows_error_beside_field(reg_client, county):
    bad = make_uscc(5)[:-1] + ("0" if make_uscc(5)[-1] != "0" else "1")
    response = reg_client.post(
        reverse("registry:organization_create"),
        {"uscc": bad, "name": "保留的名称", "region": "330602", "roles": ["producer"]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "统一社会信用代码校验失败" in html
    start = html.index("field has-error")
    assert 'name="uscc"' in html[start : start + 600]
    assert 'value="保留的名称"' in html
    assert not Organization.objects.filter(name="保留的名称").exists()


def test_create_organization_page(reg_client, county):
    response = reg_client.post(
        reverse("registry:organization_create"),
        {
            "uscc": make_uscc(6),
            "name": "新单位",
            "region": "330602",
            "roles": ["producer"],
            "annual_hazardous_tonnes": "120",
        },
    )
    assert response.status_code == 302
    org = Organization.objects.get(uscc=make_uscc(6))
    assert org.management_class == "key"


def test_override_from_org_page(reg_client):
    org = OrganizationFactory()
    response = reg_client.post(
        reverse("registry:organization_override", args=[org.uscc]),
        {"management_class": "key", "reason": "重点区域"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.management_class == "key" and org.management_class_overridden


def test_other_org_detail_is_404(client):
    org = OrganizationFactory()
    client.force_login(member_of(OrganizationFactory()))
    assert client.get(reverse("registry:organization_detail", args=[org.uscc])).status_code == 404


def test_invite_and_accept_without_login(client):
    org = OrganizationFactory()
    admin = member_of(org)
    client.force_login(admin)
    response = client.post(
        reverse("registry:organization_invite", args=[org.uscc]),
        {"email": "a@example.cn", "role": "member"},
    )
    assert response.status_code == 302
    page = client.get(reverse("registry:organization_detail", args=[org.uscc])).content.decode()
    link = page.split("/registry/invitations/accept/")[1].split("<")[0].strip()
    client.logout()
    url = f"/registry/invitations/accept/{link}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"username": "newmember", "password": "short"})
    assert "has-error" in response.content.decode()
    response = client.post(url, {"username": "newmember", "password": "a-Long-pass-phrase-9"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="registry.invitation.accept").count() == 1


def test_import_page_reports_rows(reg_client, county):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        "统一社会信用代码,单位名称,行政区划代码,角色\n"
        f"{make_uscc(8)},好,330602,producer\n123,坏,330602,producer\n"
    ).encode("utf-8-sig")
    response = reg_client.post(
        reverse("registry:organization_import"),
        {"file": SimpleUploadedFile("o.csv", content, content_type="text/csv")},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "import-report" in html and "统一社会信用代码" in html
    assert not Organization.objects.filter(name="好").exists()
    assert reg_client.get(reverse("registry:organization_import_template")).status_code == 200
