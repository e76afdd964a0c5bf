"""The matching page: regulators of the area only; summary, shortfall, scenario."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from wufei.catalog.models import Region
from wufei.registry.tests.factories import SiteFactory, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph(trip):
    Region.objects.filter(code="330602").update(center_lat=30.0, center_lon=120.58)
    SiteFactory(organization=trip.receiver, latitude=Decimal("30.05"), longitude=Decimal("120.60"))
    return trip


def _get(user, **params):
    c = Client()
    c.force_login(user)
    return c.get("/analytics/matching/", params)


def test_city_officer_sees_the_allocation_and_a_scenario(graph):
    officer = regulator("3306")
    r = _get(officer, year=2026)
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-testid="locality"' in body and "0.5" in body
    key = f"permit:{graph.permit.pk}"
    r = _get(officer, year=2026, retire=key)
    assert r.status_code == 200
    assert 'data-testid="comparison"' in r.content.decode()
    r = _get(officer, year=2026, cap_key=key, cap_tonnes="abc")
    assert "capacity in tonnes" in r.content.decode()


def test_others_get_404(graph):
    assert _get(graph.shipper_user).status_code == 404
    assert _get(regulator("3301"), region="3306").status_code == 404
