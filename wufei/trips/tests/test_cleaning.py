"""Cleaning GPS jitter (轨迹清洗) before the findings: spikes are not impossible speeds."""

from __future__ import annotations

from wufei.trips import analysis as a
from wufei.trips.findings import Context, Place, Thresholds, find
from wufei.trips.tests.synthetic import DESTINATION, ORIGIN, drive

TH = Thresholds()


def ctx(t) -> Context:
    return Context(
        departed_at=float(t[0]),
        arrived_at=float(t[-1]),
        origin=Place(*ORIGIN, 500, "origin"),
        destination=Place(*DESTINATION, 500, "destination"),
    )


def test_an_out_and_back_spike_slower_than_jitter_speed_is_cleaned():
    """A fix thrown 1 km sideways at 20 s sampling: ~190 km/h there and back, under the
    250 km/h jitter speed, over the 130 km/h a truck can do; the way around it is 58 km/h."""
    t, lat, lon = drive(step_s=20, speed_ms=16)
    lon = lon.copy()
    lon[[60, 120]] += 0.0104  # ~1 km east
    assert a.prepare(t, lat, lon, max_speed_kmh=TH.jitter_speed_kmh).dropped == 0
    result = find(t, lat, lon, ctx(t), TH)
    assert [f.kind for f in result.findings] == []
    assert result.cleaned.dropped == 2


def test_a_spike_on_the_first_fix_is_cleaned():
    t, lat, lon = drive()
    lat = lat.copy()
    lat[0] += 0.05  # 5.5 km off
    result = find(t, lat, lon, ctx(t), TH)
    assert [f.kind for f in result.findings] == []
    assert result.cleaned.dropped == 1 and result.cleaned.t[0] == t[1]


def test_a_real_fast_stretch_is_kept_and_reported():
    t, lat, lon = drive(step_s=20, speed_ms=16)
    t = t.copy()
    t[80:] -= (t[80:] - t[80]) * 0.6  # from point 80 on, 2.5× as fast: 144 km/h
    result = find(t, lat, lon, ctx(t), TH)
    assert result.cleaned.dropped == 0
    assert [f.kind for f in result.findings] == ["impossible_speed"]
