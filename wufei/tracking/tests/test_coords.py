"""The datum offsets are real: these tests keep anyone from "fixing" them away."""

import numpy as np
import pytest

from wufei.tracking import coords

# 绍兴市柯桥区 (Keqiao, Shaoxing), WGS-84.
SHAOXING = (30.0833, 120.4920)


def test_gcj02_moves_a_point_in_zhejiang_by_about_half_a_kilometre():
    lat, lon = coords.wgs84_to_gcj02(*SHAOXING)
    moved = coords.haversine_m(*SHAOXING, lat, lon)
    assert 400 <= moved <= 700, moved
    # In Zhejiang GCJ-02 lies south-east of WGS-84.
    assert lat < SHAOXING[0] and lon > SHAOXING[1]


def test_gcj02_round_trip_returns_within_a_metre():
    g = coords.wgs84_to_gcj02(*SHAOXING)
    back = coords.gcj02_to_wgs84(*g)
    assert coords.haversine_m(*SHAOXING, *back) < 1.0


def test_bd09_round_trip_and_offset():
    b = coords.wgs84_to_bd09(*SHAOXING)
    assert coords.haversine_m(*SHAOXING, *b) > 900  # BD-09 adds its own ~0.6 km shift
    assert coords.haversine_m(*SHAOXING, *coords.bd09_to_wgs84(*b)) < 1.0
    g = coords.wgs84_to_gcj02(*SHAOXING)
    assert coords.haversine_m(*g, *coords.bd09_to_gcj02(*coords.gcj02_to_bd09(*g))) < 1.0


def test_vectorised_equals_scalar():
    rng = np.random.default_rng(7)
    lat = rng.uniform(27.0, 31.2, 1000)  # Zhejiang
    lon = rng.uniform(118.0, 122.9, 1000)
    g_lat, g_lon = coords.wgs84_to_gcj02(lat, lon)
    for i in (0, 499, 999):
        s = coords.wgs84_to_gcj02(float(lat[i]), float(lon[i]))
        assert s == pytest.approx((g_lat[i], g_lon[i]), abs=1e-12)
    w_lat, w_lon = coords.gcj02_to_wgs84(g_lat, g_lon)
    assert np.max(coords.haversine_m(lat, lon, w_lat, w_lon)) < 0.01
    d = coords.haversine_m(lat, lon, g_lat, g_lon)
    assert d.min() > 300 and d.max() < 800


def test_outside_china_is_unchanged():
    assert coords.wgs84_to_gcj02(51.4779, -0.0015) == (51.4779, -0.0015)
    assert coords.gcj02_to_wgs84(51.4779, -0.0015) == pytest.approx((51.4779, -0.0015))


def test_to_wgs84_by_name():
    g = coords.wgs84_to_gcj02(*SHAOXING)
    assert coords.haversine_m(*SHAOXING, *coords.to_wgs84(*g, "GCJ-02")) < 1.0
    assert coords.to_wgs84(*SHAOXING, "wgs84") == SHAOXING
    with pytest.raises(ValueError):
        coords.to_wgs84(*SHAOXING, "cgcs2000x")
