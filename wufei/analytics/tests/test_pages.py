"""The dashboards: who sees which region, what the page and its JSON carry, the risk layers."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from wufei.catalog.models import Region
from wufei.registry.models import ManagementClass
from wufei.registry.tests.factories import SiteFactory, regulator
from wufei.supervision.models import Severity, Warning, WarningStatus

pytestmark = pytest.mark.django_db
YEAR = 2026
CODES = {
    "intensity",
    "general_utilisation_rate",
    "hw_landfill_share",
    "full_process_coverage",
    "zero_waste_index",
    "illegal_dumping_rate",
    "rectification_rate",
}


@pytest.fixture
def world(reference_data, trip):
    """The trip's producer and receiver in 3306 (key supervision; the receiver's site has
    coordinates) and an open red warning in 330602 without a position."""
    org = trip.producer.org
    org.management_class = ManagementClass.KEY
    org.save()
    SiteFactory(organization=trip.receiver, latitude=Decimal("30.05"), longitude=Decimal("120.60"))
    Warning.objects.create(
        rule="test.rule",
        fact_key="f1",
        severity=Severity.RED,
        status=WarningStatus.OPEN,
        title="贮存超期",
        region=Region.objects.get(code="330602"),
        organization=org,
        raised_at=timezone.now(),
    )
    return trip


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_regulators_land_on_their_own_region(world):
    for code, full in (("33", "330000"), ("3306", "330600"), ("330602", "330602")):
        r = client_for(regulator(code)).get("/analytics/")
        assert r.status_code == 302 and r["Location"] == f"/analytics/{full}/"


def test_the_platform_administrator_sees_every_region(world):
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", "x")
    c = client_for(admin)
    r = c.get("/analytics/")
    assert r.status_code == 302 and r["Location"] == "/analytics/330000/"
    for code in ("330000", "330100", "330602"):
        assert c.get(f"/analytics/{code}/", {"year": YEAR}).status_code == 200


def test_city_officer_sees_the_city_with_its_counties(world):
    c = client_for(regulator("3306"))
    r = c.get("/analytics/330600/", {"year": YEAR})
    assert r.status_code == 200
    body = r.content.decode()
    for code in CODES:
        assert f'data-testid="indicator-{code}"' in body
    counties = list(Region.objects.filter(parent__code="330600").values_list("code", "name"))
    assert len(counties) >= 6
    for code, name in counties:  # the child table links down to each county
        assert f'href="/analytics/{code}/?year={YEAR}"' in body and name in body
    data = json.loads(json.dumps(r.context["data"]))  # JSON-serialisable
    assert {i["code"] for i in data["indicators"]} == CODES
    assert {i["status"] for i in data["indicators"]} <= {"green", "amber", "red", "none"}
    assert data["warnings"]["open"] == 1
    assert data["warnings"]["counts"]["red"]["open"] == 1
    assert '<script id="dashboard-data" type="application/json">' in body
    assert "analytics/vendor/echarts/echarts.min.js" in body
    assert "<script>" not in body  # no inline script (CSP)
    # the provincial bureau is above the city officer: no link up to it
    assert 'href="/analytics/330000/' not in body


def test_drill_down_county_and_bounds(world):
    county = client_for(regulator("330602"))
    assert county.get("/analytics/330602/", {"year": YEAR}).status_code == 200
    assert county.get("/analytics/330603/").status_code == 404  # another county
    assert county.get("/analytics/330600/").status_code == 404  # its city
    assert county.get("/analytics/330000/").status_code == 404
    city = client_for(regulator("3306"))
    assert city.get("/analytics/330602/").status_code == 200
    assert city.get("/analytics/330100/").status_code == 404  # another city
    assert city.get("/analytics/999999/").status_code == 404
    province = client_for(regulator("33"))
    r = province.get("/analytics/330602/", {"year": YEAR})
    assert r.status_code == 200
    # the trail leads back up through the city to the province
    body = r.content.decode()
    assert f'href="/analytics/330000/?year={YEAR}"' in body
    assert f'href="/analytics/330600/?year={YEAR}"' in body


def test_enterprise_users_get_404(world):
    for user in (world.shipper_user, world.receiver_user, world.driver_user):
        c = client_for(user)
        assert c.get("/analytics/").status_code == 404
        for path in ("330600/", "330602/", "330602/data.json", "330602/report.pdf"):
            assert c.get(f"/analytics/{path}").status_code == 404, path


def test_anonymous_is_sent_to_sign_in(world):
    r = Client().get("/analytics/330600/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_data_endpoint(world):
    r = client_for(regulator("3306")).get("/analytics/330600/data.json", {"year": YEAR})
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    data = r.json()
    assert data["region"] == {"code": "330600", "name": "绍兴市", "level": "city"}
    assert data["year"] == YEAR
    assert len(data["trends"]["months"]) == 12
    assert {s["code"] for s in data["trends"]["series"]} == CODES
    assert all(len(s["values"]) == 12 for s in data["trends"]["series"])
    assert {c["region_code"] for c in data["children"]} == set(
        Region.objects.filter(parent__code="330600").values_list("code", flat=True)
    )
    assert any(row["operator"] == world.receiver.name for row in data["loads"])
    for key in ("composition", "producers", "warnings", "cases"):
        assert key in data


def test_risk_layers(world):
    r = client_for(regulator("3306")).get("/analytics/330600/risk.json", {"year": YEAR})
    assert r.status_code == 200
    layers = {layer["id"]: layer for layer in r.json()["layers"]}
    assert set(layers) >= {
        "producers_key",
        "producers_simplified",
        "producers_registered",
        "operators_comprehensive",
        "operators_collection",
        "warnings",
    }
    names = {p["name"] for p in layers["producers_key"]["points"]}
    assert world.producer.org.name in names
    ops = layers["operators_comprehensive"]["points"] + layers["operators_collection"]["points"]
    (op,) = [p for p in ops if p["name"] == world.receiver.name]
    assert op["value"] == [120.6, 30.05, 1000.0]  # its site, sized by the permitted capacity
    (w,) = layers["warnings"]["points"]
    centre = Region.objects.get(code="330602")
    assert w["value"][:2] == [round(centre.center_lon, 5), round(centre.center_lat, 5)]
    # another city's officer sees none of it
    assert client_for(regulator("3301")).get("/analytics/330600/risk.json").status_code == 404


def test_bad_year_falls_back_to_this_year(world):
    r = client_for(regulator("3306")).get("/analytics/330600/", {"year": "x"})
    assert r.status_code == 200 and r.context["year"] == timezone.localdate().year
