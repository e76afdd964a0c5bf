"""The real GNSS fixture in wufei/trips/data (from ../shared/data/tracks): a Strava recording of
Limerick bus 304 on 2019-02-18 (GPX) and the route's 36 stops (GeoPackage, EPSG:4326)."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import struct
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"
GPX = DATA / "bus304_limerick_2019-02-18.gpx"
STOPS = DATA / "bus304_stops.gpkg"

_POINT = re.compile(
    r'<trkpt lat="([-\d.]+)" lon="([-\d.]+)">\s*(?:<ele>[^<]*</ele>\s*)?<time>([^<]+)</time>'
)


def bus_track() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = _POINT.findall(GPX.read_text(encoding="utf-8"))
    t = np.array([dt.datetime.fromisoformat(r[2].replace("Z", "+00:00")).timestamp() for r in rows])
    return t, np.array([float(r[0]) for r in rows]), np.array([float(r[1]) for r in rows])


def _gpkg_point(blob: bytes) -> tuple[float, float]:
    """A GeoPackage point: 'GP', version, flags (envelope size in bits 1–3), srs id, WKB."""
    flags = blob[3]
    envelope = [0, 32, 48, 48, 64][(flags >> 1) & 0b111]
    wkb = blob[8 + envelope :]
    little = wkb[0] == 1
    x, y = struct.unpack("<dd" if little else ">dd", wkb[5:21])
    return x, y


def bus_stops() -> list[tuple[str, float, float]]:
    """``[(name, lat, lon), …]``."""
    with sqlite3.connect(f"file:{STOPS}?mode=ro", uri=True) as db:
        rows = db.execute("select stop_name, geom from stops_304_to_ul").fetchall()
    out = []
    for name, blob in rows:
        lon, lat = _gpkg_point(blob)
        out.append((name, lat, lon))
    return out
