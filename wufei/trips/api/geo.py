"""The trip as GeoJSON for the map (行程地图): path, origin/destination, findings with their
evidence points, and the region boundaries around it as the background (no tiles).

Coordinates are WGS-84, GeoJSON order ``[lon, lat]``. Used by the trip page, the warning page
(evidence map) and ``GET /api/v1/trips/<manifest id>/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from wufei.catalog.models import Region
from wufei.core.permissions import principal

from ..models import Finding, Trip

#: How far around the trip the region boundaries are drawn (degrees).
MARGIN_DEG = 0.25

#: Marker colour per finding kind (the page's legend uses the same).
KIND_COLOURS = {
    "long_stop": "#c62828",
    "deviation": "#ef6c00",
    "gap": "#6a1b9a",
    "no_track": "#6a1b9a",
    "late_arrival": "#f9a825",
    "impossible_speed": "#ad1457",
    "late_start": "#f9a825",
    "weight_difference": "#00838f",
}


def _local(value: Any) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else None


def may_view(user: Any, trip: Trip) -> bool:
    """The trip's policy: the manifest's parties (relay carriers included), the bureaus of its
    origin and destination, and the bureau of every county where a finding lies."""
    return Trip.objects.restrict(user, "view").filter(pk=trip.pk).exists()


def get_trip(user: Any, manifest_id: int) -> Trip | None:
    trip = (
        Trip.objects.select_related(
            "manifest__shipper_site",
            "manifest__receiver_site",
            "manifest__receiver",
            "manifest__shipper",
            "manifest__carrier",
            "vehicle",
        )
        .filter(manifest_id=manifest_id)
        .first()
    )
    if trip is None or not may_view(user, trip):
        return None
    return trip


def _bbox(points: Iterable[tuple[float, float]]) -> tuple[float, float, float, float] | None:
    pts = list(points)
    if not pts:
        return None
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    return min(lats), min(lons), max(lats), max(lons)


def _ring_bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float] | None:
    coords: list[list[float]] = []
    kind = geometry.get("type")
    if kind == "Polygon":
        coords = [p for ring in geometry["coordinates"] for p in ring]
    elif kind == "MultiPolygon":
        coords = [p for poly in geometry["coordinates"] for ring in poly for p in ring]
    if not coords:
        return None
    return (
        min(c[1] for c in coords),
        min(c[0] for c in coords),
        max(c[1] for c in coords),
        max(c[0] for c in coords),
    )


def boundaries(points: Iterable[tuple[float, float]]) -> dict[str, Any]:
    """County boundaries (and their names) whose box meets the points' box plus a margin."""
    box = _bbox(points)
    features = []
    if box is not None:
        lo_lat, lo_lon = box[0] - MARGIN_DEG, box[1] - MARGIN_DEG
        hi_lat, hi_lon = box[2] + MARGIN_DEG, box[3] + MARGIN_DEG
        for code, name, level, boundary in Region.objects.filter(
            level=Region.Level.COUNTY, boundary__isnull=False
        ).values_list("code", "name", "level", "boundary"):
            rb = _ring_bbox(boundary or {})
            if rb is None:
                continue
            if rb[0] > hi_lat or rb[2] < lo_lat or rb[1] > hi_lon or rb[3] < lo_lon:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": boundary,
                    "properties": {"code": code, "name": name, "level": level},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _site_point(site: Any, role: str, label: str) -> dict[str, Any] | None:
    if site is None or site.latitude is None or site.longitude is None:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(site.longitude), float(site.latitude)]},
        "properties": {"kind": role, "label": label},
    }


def _finding_feature(f: Finding, warning_url: Callable[[Finding], str]) -> dict[str, Any] | None:
    if f.latitude is None or f.longitude is None:
        return None
    return {
        "type": "Feature",
        "id": f"finding-{f.pk}",
        "geometry": {"type": "Point", "coordinates": [f.longitude, f.latitude]},
        "properties": {
            "kind": "finding",
            "finding": f.kind,
            "label": f.get_kind_display(),
            "colour": KIND_COLOURS.get(f.kind, "#555"),
            "summary": f.summary,
            "started_at": _local(f.started_at),
            "ended_at": _local(f.ended_at),
            "duration_min": round(f.duration_s / 60) if f.duration_s else None,
            "warning_url": warning_url(f),
            "points": [[p[1], p[0]] for p in (f.evidence or {}).get("points", [])[:500]],
        },
    }


#: Links from a finding to what was made of it (the warnings app registers its provider at
#: start-up: trips does not import supervision). ``(user, trip) -> {finding id: url}``.
_finding_links: Callable[[Any, Trip], dict[int, str]] | None = None


def set_finding_links(provider: Callable[[Any, Trip], dict[int, str]]) -> None:
    global _finding_links
    _finding_links = provider


def _warning_urls(user: Any, trip: Trip) -> dict[int, str]:
    if _finding_links is None or principal(user) is None:
        return {}
    return _finding_links(user, trip)


def trip_geojson(user: Any, trip: Trip, *, focus: int | None = None) -> dict[str, Any]:
    """``{"trip": {...}, "features": FeatureCollection, "boundaries": FeatureCollection,
    "path": [[lat, lon, t], …], "focus": finding id or None}``."""
    m = trip.manifest
    urls = _warning_urls(user, trip)
    features: list[dict[str, Any]] = []
    path = trip.path or []
    if len(path) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[p[1], p[0]] for p in path]},
                "properties": {
                    "kind": "path",
                    "times": [p[2] for p in path],
                    "label": f"{m.number} · {trip.vehicle.plate}",
                },
            }
        )
    receiver_site = m.receiver_site or m.receiver.sites.filter(is_active=True).first()
    for feature in (
        _site_point(m.shipper_site, "origin", f"{m.shipper.name} · {m.shipper_site.name}"),
        _site_point(receiver_site, "destination", m.receiver.name),
    ):
        if feature is not None:
            features.append(feature)
    findings = list(trip.findings.order_by("started_at", "pk"))
    for f in findings:
        feature = _finding_feature(f, lambda f: urls.get(f.pk, ""))
        if feature is not None:
            features.append(feature)
    points = [(p[0], p[1]) for p in path]
    points += [(f.latitude, f.longitude) for f in findings if f.latitude is not None]
    for ft in features:
        if ft["properties"]["kind"] in ("origin", "destination"):
            lon, lat = ft["geometry"]["coordinates"]
            points.append((lat, lon))
    return {
        "trip": {
            "manifest": m.pk,
            "number": m.number,
            "plate": trip.vehicle.plate,
            "status": trip.status,
            "point_count": trip.point_count,
            "distance_km": float(trip.distance_km),
            "first_point_at": trip.first_point_at.isoformat() if trip.first_point_at else None,
            "last_point_at": trip.last_point_at.isoformat() if trip.last_point_at else None,
        },
        "features": {"type": "FeatureCollection", "features": features},
        "boundaries": boundaries(points),
        "path": path,
        "focus": focus,
    }
