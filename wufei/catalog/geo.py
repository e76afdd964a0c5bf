"""Small geometry helpers for the region pages: a GeoJSON boundary drawn as an inline SVG
path (no map library, no tiles, works offline and under the CSP)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def _rings(geometry: dict[str, Any]) -> Iterable[list[list[float]]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        yield from coords
    elif kind == "MultiPolygon":
        for polygon in coords:
            yield from polygon


def boundary_svg(
    geometry: dict[str, Any] | None,
    size: int = 1000,
    center: tuple[float, float] | None = None,
) -> dict[str, Any] | None:
    """``{"view_box": "0 0 W H", "path": "M… Z", "width": W, "height": H}`` for a Polygon or
    MultiPolygon in WGS-84, projected equirectangularly with longitudes scaled by cos(latitude)
    so that the shape keeps its proportions; ``center`` (lon, lat) becomes ``{"x", "y"}``. ``None`` if there is no geometry."""
    if not geometry:
        return None
    rings = [r for r in _rings(geometry) if len(r) >= 3]
    if not rings:
        return None
    lons = [p[0] for r in rings for p in r]
    lats = [p[1] for r in rings for p in r]
    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    k = math.cos(math.radians((min_lat + max_lat) / 2))
    w_deg = max((max_lon - min_lon) * k, 1e-9)
    h_deg = max(max_lat - min_lat, 1e-9)
    scale = size / max(w_deg, h_deg)
    width, height = round(w_deg * scale), round(h_deg * scale)
    parts = []
    for ring in rings:
        pts = [
            f"{(lon - min_lon) * k * scale:.1f} {(max_lat - lat) * scale:.1f}"
            for lon, lat, *_ in ring
        ]
        parts.append("M" + " L".join(pts) + " Z")
    point = None
    if center is not None and None not in center:
        point = {
            "x": round((center[0] - min_lon) * k * scale, 1),
            "y": round((max_lat - center[1]) * scale, 1),
        }
    return {
        "center": point,
        "view_box": f"0 0 {width} {height}",
        "path": " ".join(parts),
        "width": width,
        "height": height,
    }
