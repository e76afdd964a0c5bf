"""The stay-point rule (停留点) against a plain reference implementation of the same rule."""

from __future__ import annotations

import numpy as np
import pytest

from wufei.trips import analysis as a
from wufei.trips.tests import realtrack


def reference(t, x, y, radius_m, min_duration_s) -> list[tuple[int, int]]:
    """Li et al. 2008, one point at a time: a stay is a maximal run of points within the
    radius of its first point that lasts at least the minimum duration."""
    out, i, n, r2 = [], 0, len(t), radius_m * radius_m
    while i < n - 1:
        j = i + 1
        while j < n and (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2 <= r2:
            j += 1
        if t[j - 1] - t[i] >= min_duration_s:
            out.append((i, j - 1))
            i = j
        else:
            i += 1
    return out


def town_traffic(seed: int, n: int = 3000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slow driving (steps shorter than the radius), halts of 1–40 min, crawls and noise."""
    rng = np.random.default_rng(seed)
    dt = rng.uniform(5, 30)
    t = np.cumsum(rng.uniform(dt - 1, dt + 1, n)).round()
    speed = rng.choice([0.0, 0.3, 2.0, 6.0, 12.0], size=n // 40 + 1, p=[0.3, 0.1, 0.2, 0.2, 0.2])
    speed = np.repeat(speed, 40)[:n]
    speed[n // 2 : n // 2 + int(2700 / dt)] = 0.0  # one 45-minute halt for sure
    heading = np.cumsum(rng.normal(0, 0.3, n))
    step = speed * np.diff(t, prepend=t[0])
    x = np.cumsum(step * np.cos(heading)) + rng.normal(0, 6, n)
    y = np.cumsum(step * np.sin(heading)) + rng.normal(0, 6, n)
    return t, x, y


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("radius", "minutes"), [(200, 20), (50, 5), (30, 0.5)])
def test_stays_follow_the_rule_exactly(seed, radius, minutes):
    t, x, y = town_traffic(seed)
    found = a.stays(t, x, y, radius_m=radius, min_duration_s=minutes * 60)
    expected = reference(t, x, y, radius, minutes * 60)
    assert [(s.start, s.end) for s in found] == expected
    assert expected  # the data has stays to find


def test_stays_on_the_real_bus_track_follow_the_rule_exactly():
    t, lat, lon = realtrack.bus_track()
    cl = a.prepare(t, lat, lon, max_speed_kmh=150)
    found = a.stays(cl.t, cl.x, cl.y, radius_m=30, min_duration_s=20)
    assert [(s.start, s.end) for s in found] == reference(cl.t, cl.x, cl.y, 30, 20)


def test_a_stay_at_the_very_end_and_a_track_too_short_to_hold_one():
    t = np.arange(0.0, 1800.0, 15.0)
    x = np.where(t < 600, t * 10.0, 6000.0)  # drives 10 m/s, then parks for 20 min
    y = np.zeros_like(t)
    (stay,) = a.stays(t, x, y, radius_m=200, min_duration_s=1140)
    assert stay.end == t.size - 1 and stay.t_start <= 600
    assert a.stays(t, x, y, radius_m=200, min_duration_s=1300) == []
