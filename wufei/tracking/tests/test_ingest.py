import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from wufei.core.errors import NotFound
from wufei.tracking import coords
from wufei.tracking.ingest import ingest, parse_time
from wufei.tracking.models import Terminal, TrackPoint
from wufei.tracking.queries import points_for

NOW = timezone.now().replace(microsecond=0)
T0 = NOW - dt.timedelta(hours=2)


def pt(i=0, **kw):
    return {
        "plate": "浙D10001",
        "time": T0 + dt.timedelta(seconds=10 * i),
        "lat": 30.08,
        "lon": 120.49 + i * 1e-4,
        "speed": 40,
        "heading": 90,
        **kw,
    }


def test_good_points_are_stored_and_bad_ones_reported(fleet):
    points = [
        pt(0),
        pt(1, lat=91),
        pt(2, lon="abc"),
        pt(3, speed=400),
        pt(4, heading=-1),
        pt(5, time=NOW + dt.timedelta(days=2)),
        pt(6, plate="浙Z00000"),
        pt(7, time="yesterday"),
        pt(8, lat=0, lon=0),
        pt(9, speed=0, heading=360),
        "not a point",
    ]
    r = ingest(points, now=NOW)
    assert (r.received, r.accepted, r.duplicates, r.rejected) == (11, 2, 0, 9)
    assert [(e.index, e.field, e.code) for e in r.errors] == [
        (1, "lat", "tracking.lat_range"),
        (2, "lon", "tracking.not_a_number"),
        (3, "speed", "tracking.speed_range"),
        (4, "heading", "tracking.heading_range"),
        (5, "time", "tracking.time_future"),
        (6, "plate", "tracking.vehicle_unknown"),
        (7, "time", "tracking.time_invalid"),
        (8, "lat", "tracking.no_fix"),
        (10, "", "tracking.point_invalid"),
    ]
    assert r.errors[2].message == "Speed must lie between 0 and 250 km/h."
    stored = TrackPoint.objects.order_by("at")
    assert [p.heading for p in stored] == [90, 0]  # 360° is north
    assert stored[0].source == "http" and stored[0].vehicle == fleet.truck


def test_idempotent_by_vehicle_and_time_and_out_of_order(fleet):
    r = ingest([pt(5), pt(1), pt(3)], now=NOW)
    assert (r.accepted, r.duplicates) == (3, 0)
    r = ingest([pt(3), pt(0), pt(3), pt(2, lat=30.5)], now=NOW)
    assert (r.accepted, r.duplicates, r.rejected) == (2, 2, 0)
    assert TrackPoint.objects.count() == 5
    # the first stored value wins: a repeated (vehicle, time) changes nothing
    track = points_for(fleet.truck, T0, NOW)
    assert track.size == 5
    assert np.all(np.diff(track.t.astype(np.int64)) > 0)  # ordered by time
    assert track.t[0] == np.datetime64(T0.replace(tzinfo=None), "us")


def test_vehicle_by_plate_terminal_id_or_jt808_phone(fleet):
    Terminal.objects.create(phone="013800138000", vehicle=fleet.van)
    assert Terminal.objects.get().phone == "13800138000"  # BCD frames pad with zeros
    r = ingest(
        [
            {"terminal": "t0001", "time": T0, "lat": 30, "lon": 120},
            {"terminal": "00000000013800138000", "time": T0, "lat": 30, "lon": 120},
            {"vehicle": "浙D10002", "time": T0 + dt.timedelta(seconds=1), "lat": 30, "lon": 120},
            {"time": T0, "lat": 30, "lon": 120},
        ],
        now=NOW,
    )
    assert r.accepted == 3 and [e.code for e in r.errors] == ["tracking.vehicle_required"]
    assert TrackPoint.objects.filter(vehicle=fleet.truck).count() == 1
    assert TrackPoint.objects.filter(vehicle=fleet.van).count() == 2


def test_only_allowed_vehicles(fleet):
    from wufei.registry.models import Vehicle

    mine = Vehicle.objects.filter(organization=fleet.carrier)
    r = ingest([pt(0), pt(0, plate="浙A99999")], vehicles=mine, now=NOW)
    assert r.accepted == 1 and r.errors[0].code == "tracking.vehicle_unknown"


def test_gcj02_input_is_stored_in_wgs84(fleet):
    wgs = (30.0833, 120.4920)
    g = coords.wgs84_to_gcj02(*wgs)
    r = ingest([pt(0, lat=g[0], lon=g[1])], crs="gcj02", now=NOW)
    assert r.accepted == 1
    p = TrackPoint.objects.get()
    assert coords.haversine_m(p.lat, p.lon, *wgs) < 1.0


def test_times():
    assert parse_time("2026-03-02 09:30:00") == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    assert parse_time("2026-03-02T01:30:00Z") == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    assert parse_time(1772415000) == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    assert parse_time("1772415000") == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        parse_time("03/02 9:30")


def test_too_old_for_retention(fleet, settings):
    settings.WUFEI = {**settings.WUFEI, "TRACK_RETENTION_DAYS": 30}
    r = ingest([pt(0, time=NOW - dt.timedelta(days=31))], now=NOW)
    assert r.errors[0].code == "tracking.time_too_old"


def test_points_for_and_permission(fleet):
    ingest([pt(i, speed=None if i == 2 else 10 * i) for i in range(4)], now=NOW)
    track = points_for(fleet.truck.pk, T0 + dt.timedelta(seconds=10), NOW)
    assert track.size == 3
    assert track.lat.dtype == np.float64 and np.isnan(track.speed[1])
    assert track.seconds[1] - track.seconds[0] == pytest.approx(10.0)
    assert points_for(fleet.truck, NOW, NOW + dt.timedelta(hours=1)).size == 0
    assert points_for(fleet.truck, T0, NOW, user=fleet.regulator).size == 4
    with pytest.raises(NotFound):
        points_for(fleet.foreign, T0, NOW, user=fleet.user)
