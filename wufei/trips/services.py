"""Feed the trip analysis from the database and keep its results (``analyse(manifest)``).

The window is the carrier's pickup to the receiver's arrival scan (30 minutes either side; up
to now while the truck is on the road). Each carrier leg contributes its own vehicle's points
for its own period. The origin and destination are the sites' coordinates; the other places
where a stop is explained are every party's sites and the known places (service areas, the
carriers' depots); the corridor is made of the paths of the last trips on the same
origin–destination. Findings are stored once (a fingerprint per fact) so re-analysis of a trip
— as its points keep arriving — never duplicates them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wufei.catalog.models import Region
from wufei.core import audit, events
from wufei.manifests.models import Manifest, ManifestStatus
from wufei.registry.models import Site
from wufei.tracking.models import TrackPoint

from . import analysis as a
from .findings import Context, FindingData, Place, Thresholds, find
from .models import Finding, KnownPlace, Trip, TripStatus

MARGIN = dt.timedelta(minutes=30)
PATH_POINTS = 400


def thresholds() -> Thresholds:
    th = Thresholds.from_settings(getattr(settings, "WUFEI_TRACK_THRESHOLDS", None))
    tolerance = getattr(settings, "WUFEI_MANIFEST_WEIGHT_TOLERANCE", None)
    if tolerance is not None:
        th = Thresholds(**{**th.__dict__, "weight_tolerance": float(tolerance)})
    return th


def _epoch(value: dt.datetime | None) -> float | None:
    return value.timestamp() if value else None


def _site_place(site: Site | None, label: str, radius: float) -> Place | None:
    if site is None or site.latitude is None or site.longitude is None:
        return None
    return Place(float(site.latitude), float(site.longitude), radius, label)


def window(manifest: Manifest) -> tuple[dt.datetime, dt.datetime | None]:
    start = manifest.picked_up_at or dt.datetime.combine(
        manifest.planned_pickup_on, dt.time.min, tzinfo=dt.UTC
    )
    end = manifest.arrived_at
    return start - MARGIN, (end + MARGIN) if end else None


def track_of(manifest: Manifest, start: dt.datetime, end: dt.datetime) -> tuple[np.ndarray, ...]:
    """The points of each leg's vehicle during that leg, as arrays (t, lat, lon)."""
    legs = list(manifest.legs.order_by("sequence"))
    bounds = [leg.started_at or start for leg in legs] + [end]
    chunks = []
    for k, leg in enumerate(legs):
        lo = max(start, bounds[k]) if k else start
        hi = bounds[k + 1] if k + 1 < len(legs) else end
        rows = list(
            TrackPoint.objects.filter(vehicle_id=leg.vehicle_id, at__gte=lo, at__lte=hi)
            .order_by("at")
            .values_list("at", "lat", "lon")
        )
        if rows:
            chunks.append(
                np.array([(r[0].timestamp(), r[1], r[2]) for r in rows], dtype=np.float64)
            )
    if not chunks:
        return np.empty(0), np.empty(0), np.empty(0)
    arr = np.concatenate(chunks)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def context(manifest: Manifest, th: Thresholds, window_end: dt.datetime) -> Context:
    origin = _site_place(manifest.shipper_site, "origin", th.place_radius_m)
    dest_site = manifest.receiver_site or manifest.receiver.sites.filter(is_active=True).first()
    destination = _site_place(dest_site, "destination", th.place_radius_m)
    parties = {manifest.shipper_id, manifest.receiver_id, manifest.carrier_id}
    parties |= set(manifest.legs.values_list("carrier_id", flat=True))
    places = [
        p
        for p in (
            _site_place(s, f"site:{s.pk}", th.place_radius_m)
            for s in Site.objects.filter(organization_id__in=parties, is_active=True)
        )
        if p is not None
    ]
    for kp in KnownPlace.objects.filter(is_active=True).filter(
        organization__isnull=True
    ) | KnownPlace.objects.filter(is_active=True, organization_id__in=parties):
        places.append(Place(kp.latitude, kp.longitude, kp.radius_m, f"place:{kp.pk}"))
    earlier = []
    for path in (
        Trip.objects.filter(
            manifest__shipper_site=manifest.shipper_site,
            manifest__receiver=manifest.receiver,
            status=TripStatus.ANALYSED,
        )
        .exclude(manifest=manifest)
        .exclude(findings__kind__in=("deviation", "long_stop"))
        .order_by("-window_start")
        .values_list("path", flat=True)[:5]
    ):
        if path and len(path) >= 2:
            arr = np.asarray(path, dtype=np.float64)
            earlier.append((arr[:, 0], arr[:, 1]))
    items = list(manifest.items.values_list("dispatch_tonnes", "received_tonnes", "refused"))
    received = (
        sum(float(r[1]) for r in items if r[1] is not None)
        if manifest.status
        in (ManifestStatus.RECEIVED, ManifestStatus.REFUSED, ManifestStatus.CLOSED)
        else None
    )
    return Context(
        departed_at=_epoch(manifest.picked_up_at),
        arrived_at=_epoch(manifest.arrived_at),
        planned_arrival_at=_epoch(manifest.planned_arrival_at),
        window_end=window_end.timestamp(),
        origin=origin,
        destination=destination,
        places=places,
        earlier_paths=earlier,
        dispatch_tonnes=sum(float(r[0]) for r in items) or None,
        received_tonnes=received,
    )


_COUNTIES: dict[tuple[int, int | None], tuple[list[int], Any]] = {}


def _counties() -> tuple[list[int], Any]:
    """County boundaries in an STR-tree, rebuilt when the regions change (count, last id)."""
    qs = Region.objects.filter(level="county", boundary__isnull=False)
    stamp = (qs.count(), qs.order_by("-pk").values_list("pk", flat=True).first())
    if stamp in _COUNTIES:
        return _COUNTIES[stamp]
    _COUNTIES.clear()
    _COUNTIES[stamp] = built = _build_counties(qs)
    return built


def _build_counties(qs: Any) -> tuple[list[int], Any]:
    ids, geoms = [], []
    for pk, boundary in qs.values_list("pk", "boundary"):
        try:
            geoms.append(shapely.from_geojson(json.dumps(boundary)))
            ids.append(pk)
        except shapely.errors.GEOSException:
            continue
    return ids, shapely.STRtree(geoms) if geoms else None


def region_at(lat: float | None, lon: float | None) -> int | None:
    """The county (by its boundary) a point lies in, for the finding's jurisdiction."""
    if lat is None or lon is None:
        return None
    ids, tree = _counties()
    if tree is None:
        return None
    hits = tree.query(shapely.points(lon, lat), predicate="intersects")
    return ids[int(hits[0])] if len(hits) else None


def _simplified_path(cl: a.Cleaned | None) -> list[list[float]]:
    if cl is None or cl.t.size == 0:
        return []
    idx = np.arange(cl.t.size)
    if idx.size > PATH_POINTS:
        idx = np.unique(np.linspace(0, idx.size - 1, PATH_POINTS).astype(int))
    return [[round(float(cl.lat[k]), 6), round(float(cl.lon[k]), 6), float(cl.t[k])] for k in idx]


@dataclass
class Analysis:
    trip: Trip
    new_findings: list[Finding]


def _dt(value: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value is not None else None


def analyse(manifest: Manifest, *, now: dt.datetime | None = None) -> Analysis:
    """(Re)analyse the manifest's trip; returns the trip and the findings that are new."""
    now = now or timezone.now()
    th = thresholds()
    start, end = window(manifest)
    until = end or now
    t, lat, lon = track_of(manifest, start, until)
    ctx = context(manifest, th, until)
    result = find(t, lat, lon, ctx, th)
    with transaction.atomic():
        trip, _ = Trip.objects.select_for_update().get_or_create(
            manifest=manifest,
            defaults={"vehicle_id": manifest.vehicle_id, "window_start": start},
        )
        cl = result.cleaned
        trip.window_start, trip.window_end = start, end
        trip.point_count = int(cl.t.size) if cl is not None else 0
        trip.dropped_count = cl.dropped if cl is not None else 0
        trip.first_point_at = _dt(float(cl.t[0])) if cl is not None and cl.t.size else None
        trip.last_point_at = _dt(float(cl.t[-1])) if cl is not None and cl.t.size else None
        trip.distance_km = round(result.distance_m / 1000, 2)  # type: ignore[assignment]
        trip.path = _simplified_path(cl)
        done = manifest.status not in (ManifestStatus.SUBMITTED, ManifestStatus.IN_TRANSIT)
        trip.status = TripStatus.ANALYSED if done else TripStatus.PENDING
        trip.analysed_at = now
        trip.save()
        known = set(trip.findings.values_list("fingerprint", flat=True))
        new = [_finding(trip, f) for f in result.findings if f.fingerprint not in known]
        Finding.objects.bulk_create(new)
        if new:
            audit.record(
                actor=None,
                action="trips.trip.findings",
                obj=trip,
                after={"findings": [f"{f.kind}:{f.summary}" for f in new]},
                organization_id=manifest.shipper_id,
                region_prefix=manifest.origin_region.prefix,
            )
    if new:
        ids = [f.pk for f in new]
        transaction.on_commit(lambda: events.emit("trip.findings", finding_ids=ids))
    return Analysis(trip=trip, new_findings=new)


def _finding(trip: Trip, f: FindingData) -> Finding:
    return Finding(
        trip=trip,
        kind=f.kind,
        started_at=_dt(f.t_start),
        ended_at=_dt(f.t_end),
        latitude=f.lat,
        longitude=f.lon,
        region_id=region_at(f.lat, f.lon),
        duration_s=int(max(f.duration_s, 0)),
        distance_m=int(max(f.distance_m, 0)),
        value=f.value,
        summary=f.summary[:300],
        evidence=f.evidence,
        fingerprint=f.fingerprint,
    )
