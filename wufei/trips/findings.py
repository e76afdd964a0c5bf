"""Findings of a trip against its manifest (轨迹核查), on arrays — no database here.

``find(track, context, thresholds)`` cleans the track (GPS jitter alone produces 300+ km/h
"speeds"), splits it at gaps, detects stays with the standard stay-point rule and compares the
track with the manifest: long stops away from the origin, the destination, the other parties'
sites and known places; deviation from the corridor of earlier trips on the same
origin–destination (or, without them, a buffer around the straight line); gaps and a missing
track; late arrival; impossible speed; a track that starts after the recorded departure; a
weight difference between dispatch and receipt. ``trips.services`` feeds it from the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from . import analysis as a

F8 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Thresholds:
    """Every threshold is a setting (``WUFEI_TRACK_THRESHOLDS`` overrides any of them)."""

    stop_minutes: float = 20.0  # a stay this long is a stop worth explaining
    stop_radius_m: float = 200.0  # the stay-point radius
    place_radius_m: float = 500.0  # a stop this close to a party's site is explained
    corridor_width_m: float = 1500.0  # buffer around earlier trips' paths
    straight_corridor_min_m: float = 5000.0  # buffer around the straight line, at least…
    straight_corridor_ratio: float = 0.3  # …or this share of the origin–destination distance
    deviation_minutes: float = 10.0  # time outside the corridor before it is a finding
    gap_minutes: float = 15.0
    late_hours: float = 4.0
    max_speed_kmh: float = 130.0  # faster than this (after cleaning) is impossible for a truck
    jitter_speed_kmh: float = 250.0  # cleaning: a spike faster than this is GPS jitter
    late_start_minutes: float = 30.0
    weight_tolerance: float = 0.05

    @classmethod
    def from_settings(cls, overrides: dict[str, Any] | None) -> Thresholds:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: float(v) for k, v in (overrides or {}).items() if k in known})


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    radius_m: float
    label: str


@dataclass
class Context:
    """What the manifest says about the trip (times as epoch seconds)."""

    departed_at: float | None = None  # the carrier's pickup signature
    arrived_at: float | None = None  # the receiver's first arrival scan
    planned_arrival_at: float | None = None
    window_end: float | None = None
    origin: Place | None = None
    destination: Place | None = None
    places: list[Place] = field(default_factory=list)
    earlier_paths: list[tuple[F8, F8]] = field(default_factory=list)  # (lat, lon) arrays
    dispatch_tonnes: float | None = None
    received_tonnes: float | None = None


@dataclass
class FindingData:
    kind: str
    summary: str
    t_start: float | None = None
    t_end: float | None = None
    lat: float | None = None
    lon: float | None = None
    duration_s: float = 0.0
    distance_m: float = 0.0
    value: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """Same fact → same fingerprint (re-analysis never duplicates it)."""
        key = [self.kind]
        if self.t_start is not None:
            key.append(str(int(self.t_start // 60)))
        if self.kind in ("weight_difference", "no_track", "late_arrival", "late_start"):
            key = [self.kind]
        return hashlib.sha256("|".join(key).encode()).hexdigest()


@dataclass
class Result:
    findings: list[FindingData]
    cleaned: a.Cleaned | None
    stays: list[a.Stay]
    distance_m: float


def _points(cl: a.Cleaned, i: int, j: int, limit: int = 300) -> list[list[float]]:
    idx = np.arange(i, j + 1)
    if idx.size > limit:
        idx = idx[np.linspace(0, idx.size - 1, limit).astype(int)]
    return [[round(float(cl.lat[k]), 6), round(float(cl.lon[k]), 6), float(cl.t[k])] for k in idx]


def _explained(cl: a.Cleaned, stay: a.Stay, places: list[Place]) -> str | None:
    if not places:
        return None
    px, py = cl.frame.xy([p.lat for p in places], [p.lon for p in places])
    d = np.hypot(px - stay.x, py - stay.y)
    radii = np.array([p.radius_m for p in places])
    hits = np.flatnonzero(d <= radii)
    return places[int(hits[0])].label if hits.size else None


def _corridor(cl: a.Cleaned, ctx: Context, th: Thresholds) -> tuple[Any, str] | None:
    paths = [p for p in ctx.earlier_paths if p[0].size >= 2]
    if paths:
        geoms = []
        for lat, lon in paths:
            x, y = cl.frame.xy(lat, lon)
            geoms.append(a.corridor_from_line(x, y, th.corridor_width_m))
        return shapely.union_all(geoms), "earlier_trips"
    if ctx.origin and ctx.destination:
        x, y = cl.frame.xy(
            [ctx.origin.lat, ctx.destination.lat], [ctx.origin.lon, ctx.destination.lon]
        )
        length = float(np.hypot(x[1] - x[0], y[1] - y[0]))
        width = max(th.straight_corridor_min_m, th.straight_corridor_ratio * length)
        return a.corridor_from_line(x, y, width), "straight_line"
    return None


def find(
    t: npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike, ctx: Context, th: Thresholds
) -> Result:
    out: list[FindingData] = []
    if ctx.dispatch_tonnes and ctx.received_tonnes is not None:
        diff = ctx.received_tonnes - ctx.dispatch_tonnes
        if abs(diff) / ctx.dispatch_tonnes > th.weight_tolerance:
            out.append(
                FindingData(
                    "weight_difference",
                    f"{ctx.dispatch_tonnes:.4f} t → {ctx.received_tonnes:.4f} t",
                    value=diff,
                    evidence={
                        "dispatch_tonnes": ctx.dispatch_tonnes,
                        "received_tonnes": ctx.received_tonnes,
                    },
                )
            )
    if ctx.planned_arrival_at and ctx.arrived_at:
        late = ctx.arrived_at - ctx.planned_arrival_at
        if late > th.late_hours * 3600:
            out.append(
                FindingData(
                    "late_arrival",
                    f"+{late / 3600:.1f} h",
                    t_start=ctx.planned_arrival_at,
                    t_end=ctx.arrived_at,
                    duration_s=late,
                )
            )
    t_a = np.asarray(t, dtype=np.float64)
    if t_a.size == 0:
        out.append(
            FindingData("no_track", "no points", t_start=ctx.departed_at, t_end=ctx.window_end)
        )
        return Result(out, None, [], 0.0)
    cl = a.prepare(t_a, lat, lon, max_speed_kmh=th.jitter_speed_kmh, plausible_kmh=th.max_speed_kmh)
    if cl.t.size == 0:
        out.append(FindingData("no_track", "no usable points", t_start=ctx.departed_at))
        return Result(out, cl, [], 0.0)
    distance = float(a.step_lengths(cl.x, cl.y).sum())

    if ctx.departed_at and cl.t[0] - ctx.departed_at > th.late_start_minutes * 60:
        out.append(
            FindingData(
                "late_start",
                f"+{(cl.t[0] - ctx.departed_at) / 60:.0f} min",
                t_start=ctx.departed_at,
                t_end=float(cl.t[0]),
                lat=float(cl.lat[0]),
                lon=float(cl.lon[0]),
                duration_s=float(cl.t[0] - ctx.departed_at),
            )
        )

    gap_s = th.gap_minutes * 60
    for i in a.gaps(cl.t, gap_s):
        i = int(i)
        jump = float(np.hypot(cl.x[i + 1] - cl.x[i], cl.y[i + 1] - cl.y[i]))
        out.append(
            FindingData(
                "gap",
                f"{(cl.t[i + 1] - cl.t[i]) / 60:.0f} min, {jump / 1000:.1f} km",
                t_start=float(cl.t[i]),
                t_end=float(cl.t[i + 1]),
                lat=float(cl.lat[i]),
                lon=float(cl.lon[i]),
                duration_s=float(cl.t[i + 1] - cl.t[i]),
                distance_m=jump,
                evidence={"points": _points(cl, i, i + 1)},
            )
        )
    if ctx.window_end and ctx.arrived_at is None and ctx.window_end - cl.t[-1] > gap_s:
        out.append(
            FindingData(
                "gap",
                f"no points for the last {(ctx.window_end - cl.t[-1]) / 60:.0f} min",
                t_start=float(cl.t[-1]),
                t_end=ctx.window_end,
                lat=float(cl.lat[-1]),
                lon=float(cl.lon[-1]),
                duration_s=float(ctx.window_end - cl.t[-1]),
            )
        )

    if cl.t.size >= 2:
        speeds = a.speeds_kmh(cl.t, cl.x, cl.y)
        # Steps across gaps are not speeds.
        speeds[np.diff(cl.t) > gap_s] = 0
        for i, j in a.runs(speeds > th.max_speed_kmh):
            top = float(speeds[i : j + 1].max())
            out.append(
                FindingData(
                    "impossible_speed",
                    f"{top:.0f} km/h",
                    t_start=float(cl.t[i]),
                    t_end=float(cl.t[j + 1]),
                    lat=float(cl.lat[i]),
                    lon=float(cl.lon[i]),
                    duration_s=float(cl.t[j + 1] - cl.t[i]),
                    value=top,
                    evidence={"points": _points(cl, i, j + 1)},
                )
            )

    found_stays: list[a.Stay] = []
    places = [p for p in (ctx.origin, ctx.destination) if p] + ctx.places
    for start, end in a.segments(cl.t, gap_s):
        seg = a.stays(
            cl.t[start:end],
            cl.x[start:end],
            cl.y[start:end],
            radius_m=th.stop_radius_m,
            min_duration_s=th.stop_minutes * 60,
        )
        found_stays += [
            a.Stay(s.start + start, s.end + start, s.t_start, s.t_end, s.x, s.y) for s in seg
        ]
    for stay in found_stays:
        label = _explained(cl, stay, places)
        if label:
            continue
        slat, slon = cl.frame.latlon(stay.x, stay.y)
        out.append(
            FindingData(
                "long_stop",
                f"{stay.duration_s / 60:.0f} min",
                t_start=stay.t_start,
                t_end=stay.t_end,
                lat=float(slat),
                lon=float(slon),
                duration_s=stay.duration_s,
                evidence={"points": _points(cl, stay.start, stay.end)},
            )
        )

    corridor = _corridor(cl, ctx, th)
    if corridor is not None:
        geom, basis = corridor
        for run in a.outside(cl.t, cl.x, cl.y, geom, min_duration_s=th.deviation_minutes * 60):
            out.append(
                FindingData(
                    "deviation",
                    f"{run.max_distance_m / 1000:.1f} km, {run.duration_s / 60:.0f} min",
                    t_start=run.t_start,
                    t_end=run.t_end,
                    lat=float(cl.lat[run.far_index]),
                    lon=float(cl.lon[run.far_index]),
                    duration_s=run.duration_s,
                    distance_m=run.max_distance_m,
                    evidence={"points": _points(cl, run.start, run.end), "corridor": basis},
                )
            )
    out.sort(key=lambda f: (f.t_start or 0.0, f.kind))
    return Result(out, cl, found_stays, distance)
