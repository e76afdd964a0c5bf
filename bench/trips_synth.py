"""A synthetic province-day of truck GNSS points for bench/trips_findings.py (no Django).

Many vehicles, one day each: every vehicle samples every 10–30 s (its own interval, ±1 s),
drives 1–4 trips between random places of Zhejiang (10–150 km apart), loads at the origin and
unloads at the destination (15–60 min each, stationary with GPS noise), drives at 40–85 km/h
with smooth speed changes and traffic-light halts (20–120 s), along a wiggly road (a sum of
sines across the straight line). Injected, per trip: a long stop in the open (8 %, 25–120 min:
the dumping signal), a short stop (20 %, 3–15 min), a traffic jam crawling at 0.3–1.5 km/h
(4 %, 15–40 min), a detour of 4–20 km (5 %), a gap in the signal (5 % of 16–45 min, 10 % of
3–10 min), and GPS spikes (0.05 % of the points thrown 0.3–3 km). Seeded; numpy-vectorised within
each trip (one Python iteration per trip, none per point). The ground truth — every stationary
interval with its kind — comes back with the points so that detectors can be scored.

The ideas come from wufei/trips/tests/synthetic.py (`drive`): a local metric frame around the
origin, points along the line plus a sideways bump for a detour, a stop as repeated positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wufei.trips.analysis import Frame

LAT = (27.2, 31.0)  # Zhejiang, roughly
LON = (118.3, 122.0)
DAY0 = 1_772_380_800.0  # 2026-03-02 00:00 Asia/Shanghai is 2026-03-01 16:00 UTC; any day will do


@dataclass
class Trip:
    vehicle: int
    i0: int  # first point (index into the day's arrays)
    i1: int  # end, exclusive
    origin: tuple[float, float]
    destination: tuple[float, float]
    departed_at: float  # end of loading (the carrier's pickup signature)
    arrived_at: float  # arrival at the destination (the receiver's scan)
    planned_arrival_at: float
    route: np.ndarray  # (k, 2) lat, lon of the road without anomalies (an "earlier trip")


@dataclass
class Day:
    vehicle: np.ndarray  # int32
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    trips: list[Trip]
    # ground truth: one row per stationary interval
    truth_trip: np.ndarray  # index into trips
    truth_start: np.ndarray
    truth_end: np.ndarray
    truth_kind: np.ndarray  # str: origin, destination, long, short, jam, light


def _smooth(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """Zero-mean noise in [-1, 1] that changes over ~``width`` samples."""
    raw = rng.normal(size=n + width)
    kernel = np.hanning(max(width, 3))
    out = np.convolve(raw, kernel / kernel.sum(), mode="same")[:n]
    peak = np.abs(out).max() if n else 1.0
    return out / (peak or 1.0)


def _times(rng: np.random.Generator, t0: float, t1: float, dt: float) -> np.ndarray:
    n = int((t1 - t0) / dt) + 2
    steps = dt + rng.uniform(-1.0, 1.0, n)
    t = t0 + np.concatenate(([0.0], np.cumsum(steps[:-1])))
    return np.round(t[t < t1])


def _trip(rng, vehicle, t0, origin, dt, noise_m):
    """One trip from ``origin``: returns (t, lat, lon, truth rows, Trip fields, t_end)."""
    frame = Frame(*origin)
    while True:
        dest = (rng.uniform(*LAT), rng.uniform(*LON))
        dx, dy = frame.xy(dest[0], dest[1])
        length = float(np.hypot(dx, dy))
        if 10_000 <= length <= 150_000:
            break
    truth: list[tuple[float, float, str]] = []
    # loading at the origin
    load = rng.uniform(15, 60) * 60
    t_load = _times(rng, t0, t0 + load, dt)
    truth.append((t0, float(t_load[-1]), "origin"))
    depart = float(t_load[-1]) + dt
    # The road: the straight line plus sines across it and perhaps a detour bump, as a fine
    # polyline; the truck's distance travelled ``s`` is mapped onto it by arc length, so the
    # speeds stay what they were drawn as, also around a detour.
    nx, ny = -dy / length, dx / length
    amp = rng.normal(0, 0.02 * length, 3) / np.array([1.0, 2.0, 3.0])
    k = np.arange(1, 4)

    def lateral(sh: np.ndarray) -> np.ndarray:
        return (amp[None, :] * np.sin(np.pi * sh[:, None] * k[None, :])).sum(axis=1)

    grid = np.linspace(0.0, 1.0, 4000)
    off = lateral(grid)
    if rng.random() < 0.05:
        lo = rng.uniform(0.1, 0.6)
        hi = lo + rng.uniform(0.1, 0.3)
        inside = (grid >= lo) & (grid <= hi)
        off[inside] += np.sin(np.pi * (grid[inside] - lo) / (hi - lo)) * rng.uniform(4, 20) * 1000
    gx, gy = grid * dx + off * nx, grid * dy + off * ny
    arc = np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(gx), np.diff(gy)))))
    road = float(arc[-1])
    sh = np.linspace(0, 1, 200)
    rx, ry = sh * dx + lateral(sh) * nx, sh * dy + lateral(sh) * ny
    # driving: times first, then speed per sample with pauses, then distance along the road
    cruise = rng.uniform(40, 85) / 3.6
    events: list[tuple[float, float, str, float]] = []  # (start offset, duration, kind, speed)
    guess = road / (0.6 * cruise)
    for _ in range(rng.poisson(length / 8000)):
        events.append((rng.uniform(0, guess), rng.uniform(20, 120), "light", 0.0))
    if rng.random() < 0.08:
        events.append((rng.uniform(0.2, 0.8) * guess, rng.uniform(25, 120) * 60, "long", 0.0))
    if rng.random() < 0.20:
        events.append((rng.uniform(0.1, 0.9) * guess, rng.uniform(3, 15) * 60, "short", 0.0))
    if rng.random() < 0.04:
        crawl = rng.uniform(0.3, 1.5) / 3.6
        events.append((rng.uniform(0.1, 0.9) * guess, rng.uniform(15, 40) * 60, "jam", crawl))
    horizon = guess + sum(e[1] for e in events) + 3600
    t_drive = _times(rng, depart, depart + horizon, dt)
    rel = t_drive - depart
    speed = cruise * (0.8 + 0.2 * _smooth(rng, rel.size, 40))
    speed[:3] *= np.array([0.3, 0.6, 0.85])[: min(3, rel.size)]  # pull away
    for start, dur, _kind, v in events:
        inside = (rel >= start) & (rel < start + dur)
        speed[inside] = v
    step = np.diff(rel, prepend=rel[0]) * speed
    s = np.cumsum(step)
    n_drive = int(np.searchsorted(s, road))
    if n_drive < 2:
        n_drive = min(2, s.size)
    t_drive, s = t_drive[:n_drive], np.minimum(s[:n_drive], road)
    arrive = float(t_drive[-1]) + dt
    for start, dur, kind, _v in events:
        a, b = depart + start, depart + start + dur
        if a < t_drive[-1]:
            truth.append((a, min(b, float(t_drive[-1])), kind))
    x, y = np.interp(s, arc, gx), np.interp(s, arc, gy)
    route = np.column_stack(frame.latlon(rx, ry))
    # unloading at the destination
    unload = rng.uniform(15, 60) * 60
    t_unload = _times(rng, arrive, arrive + unload, dt)
    truth.append((arrive, float(t_unload[-1]), "destination"))
    t = np.concatenate((t_load, t_drive, t_unload))
    x = np.concatenate((np.zeros(t_load.size), x, np.full(t_unload.size, dx)))
    y = np.concatenate((np.zeros(t_load.size), y, np.full(t_unload.size, dy)))
    # GPS noise, spikes, gaps
    x = x + rng.normal(0, noise_m, x.size)
    y = y + rng.normal(0, noise_m, y.size)
    spikes = rng.random(x.size) < 0.0005
    ang = rng.uniform(0, 2 * np.pi, spikes.sum())
    dist = rng.uniform(300, 3000, spikes.sum())
    x[spikes] += dist * np.cos(ang)
    y[spikes] += dist * np.sin(ang)
    keep = np.ones(t.size, dtype=bool)
    for p, lo_min, hi_min in ((0.05, 16, 45), (0.10, 3, 10)):
        if rng.random() < p and t_drive.size > 10:
            g0 = rng.uniform(t_drive[0], t_drive[-1])
            keep &= ~((t >= g0) & (t < g0 + rng.uniform(lo_min, hi_min) * 60))
    lat, lon = frame.latlon(x[keep], y[keep])
    planned = depart + length * 1.15 / (55 / 3.6) + 1800
    trip = {
        "origin": origin,
        "destination": dest,
        "departed_at": depart,
        "arrived_at": arrive,
        "planned_arrival_at": planned,
        "route": route,
    }
    return t[keep], lat, lon, truth, trip, float(t_unload[-1]) + dt, dest


def province_day(n_points: int, seed: int = 1) -> Day:
    """At least ``n_points`` points (whole vehicles; the last vehicle is cut to size)."""
    rng = np.random.default_rng(seed)
    ts, lats, lons, vehs = [], [], [], []
    trips: list[Trip] = []
    truth_rows: list[tuple[int, float, float, str]] = []
    total = 0
    vehicle = 0
    while total < n_points:
        dt = rng.uniform(10, 30)
        noise = rng.uniform(3, 8)
        here = (rng.uniform(*LAT), rng.uniform(*LON))
        clock = DAY0 + rng.uniform(5, 9) * 3600
        for _ in range(int(rng.integers(1, 5))):
            t, lat, lon, truth, info, clock, here = _trip(rng, vehicle, clock, here, dt, noise)
            if t.size < 2:
                continue
            trips.append(Trip(vehicle, total, total + t.size, **info))
            truth_rows += [(len(trips) - 1, a, b, k) for a, b, k in truth]
            ts.append(t)
            lats.append(lat)
            lons.append(lon)
            vehs.append(np.full(t.size, vehicle, dtype=np.int32))
            total += t.size
            clock += rng.uniform(0, 20) * 60
        vehicle += 1
    tr = np.array([r[0] for r in truth_rows], dtype=np.int64)
    return Day(
        vehicle=np.concatenate(vehs),
        t=np.concatenate(ts),
        lat=np.concatenate(lats),
        lon=np.concatenate(lons),
        trips=trips,
        truth_trip=tr,
        truth_start=np.array([r[1] for r in truth_rows]),
        truth_end=np.array([r[2] for r in truth_rows]),
        truth_kind=np.array([r[3] for r in truth_rows]),
    )
