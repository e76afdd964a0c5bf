"""Chinese map datums (坐标系): WGS-84 ↔ GCJ-02 (国测局, AMap/Tencent) ↔ BD-09 (Baidu).

Tracks are stored in WGS-84, what GNSS receivers report. Maps and geocoders of Chinese map
services answer in GCJ-02 (an obfuscated datum: a smooth, non-linear offset of a few hundred
metres inside China) or in BD-09 (Baidu's further shift of GCJ-02). Inputs in those datums are
converted here, at the edge. The offset is real — about 0.5 km in Zhejiang — and
``tests/test_coords.py`` pins it.

Written from the published description of the GCJ-02 forward transform (Krasovsky 1940
ellipsoid, the two trigonometric series in longitude and latitude offsets from (105°E, 35°N))
and of BD-09 (a polar perturbation of GCJ-02 plus a fixed shift). GCJ-02 has no closed-form
inverse; ``gcj02_to_wgs84`` inverts it by fixed-point iteration to below 1e-9 degrees (≈ 0.1 mm).

Every function takes ``(lat, lon)`` as floats or array-likes (numpy, vectorised) and returns
``(lat, lon)`` of the same shape; scalars in, Python floats out. Points outside China are
returned unchanged (the datums are defined only inside China).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Semi-major axis and first eccentricity squared of the Krasovsky 1940 ellipsoid (GCJ-02).
_A = 6378245.0
_EE = 0.00669342162296594323
#: BD-09's angular constant (π·3000/180).
_X_PI = np.pi * 3000.0 / 180.0

CRS_WGS84 = "wgs84"
CRS_GCJ02 = "gcj02"
CRS_BD09 = "bd09"
CRS_CHOICES = (CRS_WGS84, CRS_GCJ02, CRS_BD09)


def _arrays(lat: Any, lon: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lat) == 0 and np.ndim(lon) == 0
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float), scalar


def _out(lat: np.ndarray, lon: np.ndarray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(lat), float(lon)
    return lat, lon


def in_china(lat: Any, lon: Any) -> Any:
    """The rough bounding box inside which the datums apply (elsewhere they are the identity)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _gcj_offset(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 at a WGS-84 position, in degrees (zero outside China)."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat = dlat + common
    dlat = dlat + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon = dlon + common
    dlon = dlon + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * pi)
    inside = in_china(lat, lon)
    return np.where(inside, dlat, 0.0), np.where(inside, dlon, 0.0)


def wgs84_to_gcj02(lat: Any, lon: Any) -> tuple[Any, Any]:
    la, lo, scalar = _arrays(lat, lon)
    dlat, dlon = _gcj_offset(la, lo)
    return _out(la + dlat, lo + dlon, scalar)


def gcj02_to_wgs84(lat: Any, lon: Any, *, tolerance: float = 1e-9) -> tuple[Any, Any]:
    """Invert GCJ-02 by iteration: w ← w − (gcj(w) − g). Converges in a handful of steps."""
    g_lat, g_lon, scalar = _arrays(lat, lon)
    w_lat, w_lon = g_lat.copy(), g_lon.copy()
    for _ in range(30):
        dlat, dlon = _gcj_offset(w_lat, w_lon)
        err_lat = w_lat + dlat - g_lat
        err_lon = w_lon + dlon - g_lon
        w_lat = w_lat - err_lat
        w_lon = w_lon - err_lon
        if np.all(np.abs(err_lat) < tolerance) and np.all(np.abs(err_lon) < tolerance):
            break
    return _out(w_lat, w_lon, scalar)


def gcj02_to_bd09(lat: Any, lon: Any) -> tuple[Any, Any]:
    la, lo, scalar = _arrays(lat, lon)
    z = np.sqrt(lo * lo + la * la) + 0.00002 * np.sin(la * _X_PI)
    theta = np.arctan2(la, lo) + 0.000003 * np.cos(lo * _X_PI)
    return _out(z * np.sin(theta) + 0.006, z * np.cos(theta) + 0.0065, scalar)


def bd09_to_gcj02(lat: Any, lon: Any) -> tuple[Any, Any]:
    la, lo, scalar = _arrays(lat, lon)
    x = lo - 0.0065
    y = la - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.sin(theta), z * np.cos(theta), scalar)


def wgs84_to_bd09(lat: Any, lon: Any) -> tuple[Any, Any]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat: Any, lon: Any) -> tuple[Any, Any]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def to_wgs84(lat: Any, lon: Any, crs: str = CRS_WGS84) -> tuple[Any, Any]:
    """Convert from ``crs`` (``wgs84``, ``gcj02`` or ``bd09``) to WGS-84."""
    crs = (crs or CRS_WGS84).lower().replace("-", "").replace("_", "")
    if crs == CRS_WGS84:
        la, lo, scalar = _arrays(lat, lon)
        return _out(la, lo, scalar)
    if crs == CRS_GCJ02:
        return gcj02_to_wgs84(lat, lon)
    if crs == CRS_BD09:
        return bd09_to_wgs84(lat, lon)
    raise ValueError(f"unknown coordinate system {crs!r}; expected one of {CRS_CHOICES}")


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in metres (mean Earth radius 6,371,008.8 m), vectorised."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    d = 2.0 * 6371008.8 * np.arcsin(np.sqrt(h))
    return float(d) if np.ndim(d) == 0 else d
