"""analyse(manifest): the track of a real manifest's vehicle, from the database, checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wufei.core.models import AuditEvent
from wufei.manifests import actions
from wufei.registry.tests.factories import SiteFactory
from wufei.tracking.models import TrackPoint
from wufei.trips.models import Finding, KnownPlace, Trip, TripStatus
from wufei.trips.services import analyse
from wufei.trips.tests.synthetic import DESTINATION, ORIGIN, drive

pytestmark = pytest.mark.django_db


def _on_the_road(trip):
    p = trip.producer
    p.site.latitude, p.site.longitude = Decimal(str(ORIGIN[0])), Decimal(str(ORIGIN[1]))
    p.site.save()
    SiteFactory(
        organization=trip.receiver,
        latitude=Decimal(str(DESTINATION[0])),
        longitude=Decimal(str(DESTINATION[1])),
    )
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    m = actions.submit(trip.shipper_user, m)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    actions.sign_handover(trip.shipper_user, m)
    return actions.sign_pickup(trip.driver_user, m)


def _store(trip, m, t, lat, lon):
    start = m.picked_up_at.timestamp() + 60
    base = t[0]
    TrackPoint.objects.bulk_create(
        TrackPoint(
            vehicle=trip.vehicle,
            at=dt.datetime.fromtimestamp(start + (ti - base), tz=dt.UTC),
            lat=float(la),
            lon=float(lo),
            source="http",
            received_at=timezone.now(),
        )
        for ti, la, lo in zip(t, lat, lon, strict=True)
    )
    return dt.datetime.fromtimestamp(start + (t[-1] - base), tz=dt.UTC)


def test_a_dumping_stop_is_found_once_and_audited(trip):
    m = _on_the_road(trip)
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45)
    last = _store(trip, m, t, lat, lon)
    result = analyse(m, now=last + dt.timedelta(minutes=5))
    assert result.trip.status == TripStatus.PENDING  # still in transit
    assert [f.kind for f in result.new_findings] == ["long_stop"]
    assert result.trip.point_count == t.size and float(result.trip.distance_km) > 45
    again = analyse(m, now=last + dt.timedelta(minutes=6))
    assert again.new_findings == []
    assert Finding.objects.filter(trip__manifest=m).count() == 1
    assert AuditEvent.objects.filter(action="trips.trip.findings").count() == 1


def test_a_stop_at_a_service_area_is_explained(trip):
    m = _on_the_road(trip)
    mid = ((ORIGIN[0] + DESTINATION[0]) / 2, (ORIGIN[1] + DESTINATION[1]) / 2)
    KnownPlace.objects.create(
        name="柯桥服务区", kind="service_area", latitude=mid[0], longitude=mid[1]
    )
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45)
    last = _store(trip, m, t, lat, lon)
    assert analyse(m, now=last).new_findings == []


def test_no_track_at_all(trip):
    m = _on_the_road(trip)
    result = analyse(m, now=m.picked_up_at + dt.timedelta(hours=2))
    assert [f.kind for f in result.new_findings] == ["no_track"]
    assert Trip.objects.get(manifest=m).point_count == 0


def test_weight_difference_after_receipt(trip):
    m = _on_the_road(trip)
    t, lat, lon = drive()
    _store(trip, m, t, lat, lon)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1500")
    m = actions.sign_receipt(trip.receiver_user, m, reason="称重不足")
    result = analyse(m)
    assert result.trip.status == TripStatus.ANALYSED
    assert "weight_difference" in [f.kind for f in result.new_findings]


def test_the_bureau_where_the_truck_stopped_and_a_relay_carrier_see_the_trip(trip):
    from wufei.core.permissions import allows
    from wufei.registry.tests.factories import (
        DriverFactory,
        OrganizationFactory,
        VehicleFactory,
        member_of,
        region,
        regulator,
    )

    m = _on_the_road(trip)
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45)
    _store(trip, m, t, lat, lon)
    result = analyse(m)
    finding = result.new_findings[0]
    Finding.objects.filter(pk=finding.pk).update(region=region("330603"))
    elsewhere = regulator("330603")
    trip_row = Trip.objects.get(manifest=m)
    assert Trip.objects.restrict(elsewhere, "view").filter(pk=trip_row.pk).exists()
    assert allows(elsewhere, "view", trip_row)
    assert not Trip.objects.restrict(regulator("330604"), "view").filter(pk=trip_row.pk).exists()
    relay = OrganizationFactory(is_producer=False, is_carrier=True)
    relay_user = member_of(relay, role="driver")
    actions.add_leg(
        trip.driver_user,
        m,
        carrier=relay,
        vehicle=VehicleFactory(organization=relay),
        driver=DriverFactory(organization=relay, user=relay_user),
    )
    assert Trip.objects.restrict(relay_user, "view").filter(pk=trip_row.pk).exists()
    assert allows(relay_user, "view", trip_row)
