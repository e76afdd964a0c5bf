"""The track-vs-manifest findings on synthetic tracks with injected anomalies and on a real
GNSS track (../shared/data/tracks: a bus journey in Limerick with its route's stops)."""

from __future__ import annotations

import numpy as np
import pytest

from wufei.trips import analysis as a
from wufei.trips.findings import Context, Place, Thresholds, find
from wufei.trips.tests import realtrack
from wufei.trips.tests.synthetic import DESTINATION, ORIGIN, drive

TH = Thresholds()


def ctx(t, **kw) -> Context:
    base = {
        "departed_at": float(t[0]),
        "arrived_at": float(t[-1]),
        "origin": Place(*ORIGIN, 500, "origin"),
        "destination": Place(*DESTINATION, 500, "destination"),
    }
    base.update(kw)
    return Context(**base)


def kinds(result) -> list[str]:
    return [f.kind for f in result.findings]


def test_a_clean_trip_has_no_findings():
    t, lat, lon = drive()
    result = find(t, lat, lon, ctx(t), TH)
    assert kinds(result) == []
    assert 45_000 < result.distance_m < 55_000


def test_long_stop_in_a_field_is_found_with_its_place_and_evidence():
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45)
    result = find(t, lat, lon, ctx(t), TH)
    assert kinds(result) == ["long_stop"]
    stop = result.findings[0]
    assert 44 * 60 <= stop.duration_s <= 46 * 60
    mid_lat, mid_lon = (ORIGIN[0] + DESTINATION[0]) / 2, (ORIGIN[1] + DESTINATION[1]) / 2
    assert abs(stop.lat - mid_lat) < 0.005 and abs(stop.lon - mid_lon) < 0.005
    assert len(stop.evidence["points"]) > 10


def test_a_stop_at_a_known_place_or_a_short_stop_is_not_a_finding():
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45)
    mid = ((ORIGIN[0] + DESTINATION[0]) / 2, (ORIGIN[1] + DESTINATION[1]) / 2)
    result = find(t, lat, lon, ctx(t, places=[Place(*mid, 400, "service area")]), TH)
    assert kinds(result) == []
    t, lat, lon = drive(stop_at=0.5, stop_minutes=10)
    assert kinds(find(t, lat, lon, ctx(t), TH)) == []


def test_detour_outside_the_straight_line_corridor():
    t, lat, lon = drive(detour_at=(0.1, 0.9), detour_km=25)
    result = find(t, lat, lon, ctx(t), TH)
    assert kinds(result) == ["deviation"]
    dev = result.findings[0]
    assert 5_000 < dev.distance_m < 25_000
    assert dev.evidence["corridor"] == "straight_line"


def test_corridor_of_earlier_trips_is_narrower_than_the_straight_line():
    earlier = [drive(seed=s)[1:] for s in (1, 2)]
    t, lat, lon = drive(detour_at=(0.3, 0.7), detour_km=4)
    assert kinds(find(t, lat, lon, ctx(t), TH)) == []  # inside the wide straight-line buffer
    result = find(t, lat, lon, ctx(t, earlier_paths=earlier), TH)
    assert kinds(result) == ["deviation"]
    assert result.findings[0].evidence["corridor"] == "earlier_trips"


def test_gap_and_no_track():
    t, lat, lon = drive(gap=(0.4, 0.7))
    result = find(t, lat, lon, ctx(t), TH)
    assert "gap" in kinds(result)
    gap = next(f for f in result.findings if f.kind == "gap")
    assert gap.duration_s > 15 * 60 and gap.distance_m > 10_000
    empty = find([], [], [], Context(departed_at=1.0), TH)
    assert kinds(empty) == ["no_track"]


def test_gps_jitter_spikes_are_cleaned_not_reported_as_speed():
    t, lat, lon = drive()
    lat = lat.copy()
    lat[[50, 120, 121]] += 0.05  # 5.5 km jumps for one or two samples: 1,300 km/h "speeds"
    result = find(t, lat, lon, ctx(t), TH)
    assert kinds(result) == []
    assert result.cleaned.dropped == 3


def test_sustained_impossible_speed_is_reported():
    t, lat, lon = drive(step_s=15, speed_ms=16)
    t = t.copy()
    t[200:] -= (t[200:] - t[200]) * 0.75  # the second half "driven" four times as fast (230 km/h)
    result = find(t, lat, lon, ctx(t), TH)
    assert "impossible_speed" in kinds(result)
    assert next(f for f in result.findings if f.kind == "impossible_speed").value > 200


def test_late_arrival_late_start_and_weight_difference():
    t, lat, lon = drive()
    c = ctx(
        t,
        departed_at=float(t[0]) - 3600,
        planned_arrival_at=float(t[-1]) - 6 * 3600,
        dispatch_tonnes=10.0,
        received_tonnes=9.0,
    )
    assert sorted(kinds(find(t, lat, lon, c, TH))) == [
        "late_arrival",
        "late_start",
        "weight_difference",
    ]
    c.received_tonnes = 9.8
    assert "weight_difference" not in kinds(find(t, lat, lon, c, TH))


def test_thresholds_come_from_settings_and_unknown_keys_are_ignored():
    th = Thresholds.from_settings({"stop_minutes": "5", "nonsense": 3})
    assert th.stop_minutes == 5.0
    t, lat, lon = drive(stop_at=0.5, stop_minutes=10)
    assert kinds(find(t, lat, lon, ctx(t), th)) == ["long_stop"]


def test_fingerprints_are_stable_across_reanalysis():
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45)
    one = find(t, lat, lon, ctx(t), TH).findings
    two = find(t, lat, lon, ctx(t), TH).findings
    assert [f.fingerprint for f in one] == [f.fingerprint for f in two]


def test_real_bus_track_stays_are_at_the_route_stops():
    """A real GNSS track: the bus halts at its stops (and at lights and the terminus)."""
    t, lat, lon = realtrack.bus_track()
    stops = realtrack.bus_stops()
    cl = a.prepare(t, lat, lon, max_speed_kmh=150)
    stays = a.stays(cl.t, cl.x, cl.y, radius_m=30, min_duration_s=20)
    sx, sy = cl.frame.xy([s[1] for s in stops], [s[2] for s in stops])
    nearest = [float(np.hypot(sx - s.x, sy - s.y).min()) for s in stays]
    at_stops = sum(d < 60 for d in nearest)
    assert len(stays) >= 30
    assert at_stops / len(stays) >= 0.7
    served = {
        int(np.argmin(np.hypot(sx - s.x, sy - s.y)))
        for s, d in zip(stays, nearest, strict=True)
        if d < 60
    }
    assert len(served) >= 20  # of the route's 36 stops


def test_real_bus_track_stays_inside_its_own_corridor():
    t, lat, lon = realtrack.bus_track()
    cl = a.prepare(t, lat, lon, max_speed_kmh=150)
    corridor = a.corridor_from_line(cl.x, cl.y, 50)
    assert a.outside(cl.t, cl.x, cl.y, corridor) == []
    shifted = cl.x + 2000  # the same journey 2 km east is outside all along
    runs = a.outside(cl.t, shifted, cl.y, corridor)
    outside_points = sum(r.end - r.start + 1 for r in runs)
    assert outside_points / cl.t.size > 0.8  # the route crosses its own path now and then
    assert max(r.max_distance_m for r in runs) > 1500


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_bad_coordinates_do_not_crash(bad):
    t, lat, lon = drive()
    lat = lat.copy()
    lat[5] = bad
    result = find(t[np.isfinite(lat)], lat[np.isfinite(lat)], lon[np.isfinite(lat)], ctx(t), TH)
    assert kinds(result) == []
