"""Capacity on the database's graph: generation per county, facilities from permits, load
rates from receipts, matching with locality, scenarios and structural signals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wufei.analytics import capacity
from wufei.analytics.matching import Facility
from wufei.catalog.models import Region
from wufei.manifests import actions as manifests
from wufei.registry.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph(trip):
    Region.objects.filter(code="330602").update(center_lat=30.0, center_lon=120.58)
    SiteFactory(organization=trip.receiver, latitude=Decimal("30.05"), longitude=Decimal("120.60"))
    trip.permit.site = None
    trip.permit.save()
    return trip


def test_generation_and_facilities(graph):
    sources = capacity.generation("3306", 2026)
    assert [(s.region, s.category, round(s.tonnes, 4)) for s in sources] == [
        ("330602", "HW08", 0.54)
    ]
    facs = capacity.facilities("3306", 2026)
    permit = next(f for f in facs if f.key.startswith("permit:"))
    assert permit.categories == {"HW08": 1000.0} and permit.region == "330602"


def test_load_rate_after_a_receipt(graph):
    trip = graph
    m = manifests.submit(
        trip.shipper_user, manifests.create_draft(trip.shipper_user, **trip.draft_data())
    )
    for c in trip.containers:
        manifests.scan_load(trip.driver_user, m, c.ident_code)
    manifests.sign_handover(trip.shipper_user, m)
    m = manifests.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        manifests.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1800")
    manifests.sign_receipt(trip.receiver_user, m)
    rows = capacity.facility_loads("33", 2026)
    assert rows == [
        {
            "facility": trip.permit.number,
            "operator": trip.receiver.name,
            "region_code": "330602",
            "category": "HW08",
            "permitted_t": 1000.0,
            "received_t": pytest.approx(0.54),
            "load_rate": pytest.approx(0.00054),
        }
    ]
    remaining = capacity.facilities("33", 2026, remaining=True)
    assert next(f for f in remaining if f.key.startswith("permit:")).categories[
        "HW08"
    ] == pytest.approx(999.46)


def test_match_scenarios_and_locality(graph):
    base = capacity.match("3306", 2026)
    assert base.solution.shortfall_tonnes == 0 and base.locality_holds is True
    key = next(f.key for f in base.facilities if f.key.startswith("permit:"))
    retired = capacity.compare(base, [capacity.Change("retire", key=key)])
    assert retired["scenario"]["shortfall_t"] == pytest.approx(0.54)
    far = Facility("new:far", "330102", 30.27, 120.15, 100, {"HW08": 100})
    moved = capacity.compare(
        base, [capacity.Change("retire", key=key), capacity.Change("add", facility=far)]
    )
    assert moved["scenario"]["shortfall_t"] == 0
    assert moved["scenario"]["locality_holds"] is False  # hazardous waste would leave the city
    assert moved["scenario"]["cost_tkm"] > base.solution.cost_tkm
    smaller = capacity.compare(
        base, [capacity.Change("capacity", key=key, category="HW08", tonnes=0.3)]
    )
    assert smaller["scenario"]["shortfall_t"] == pytest.approx(0.24)
    with pytest.raises(ValueError):
        capacity.apply(base.facilities, [capacity.Change("explode")])


def test_structural_signals_flag_idle_capacity(graph):
    signals = capacity.structural_signals("3306", 2026)
    assert {
        "kind": "idle",
        "category": "HW08",
        "capacity_t": 1000.0,
        "received_t": 0.0,
        "rate": 0.0,
    } in signals


def test_empty_region(db, reference_data):
    assert capacity.generation("3301", 2026) == []
    assert capacity.match("3301", 2026).solution.placed_tonnes == 0
