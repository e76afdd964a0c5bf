"""Track analysis on numpy arrays (轨迹分析): cleaning, gaps, stay points, corridor deviations.

Pure functions, no Django: the inputs are arrays of time (seconds since the epoch, float64),
latitude and longitude (WGS-84 degrees); distances are metres in a local equirectangular
projection around the track (accurate to well under 0.5 % over a province-sized area), which
is what makes everything vectorisable. Per-point Python loops are avoided; the stay-point rule
loops only over *candidate anchors* (points whose next point is within the radius), each step
a vectorised search.

The stay-point rule is the standard one (Li et al. 2008, Zheng 2011): a stay is a maximal run of
points that all lie within ``radius_m`` of the run's first point (the anchor) and that lasts at
least ``min_duration_s``. Its centre is the mean of the run's points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

EARTH_RADIUS_M = 6_371_008.8
F8 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Frame:
    """A local metric frame: ``x`` east and ``y`` north in metres from (lat0, lon0)."""

    lat0: float
    lon0: float

    @property
    def kx(self) -> float:
        return float(np.deg2rad(1.0) * EARTH_RADIUS_M * np.cos(np.deg2rad(self.lat0)))

    @property
    def ky(self) -> float:
        return float(np.deg2rad(1.0) * EARTH_RADIUS_M)

    def xy(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[F8, F8]:
        lat_a = np.asarray(lat, dtype=np.float64)
        lon_a = np.asarray(lon, dtype=np.float64)
        return (lon_a - self.lon0) * self.kx, (lat_a - self.lat0) * self.ky

    def latlon(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[F8, F8]:
        x_a = np.asarray(x, dtype=np.float64)
        y_a = np.asarray(y, dtype=np.float64)
        return self.lat0 + y_a / self.ky, self.lon0 + x_a / self.kx

    @classmethod
    def around(cls, lat: npt.ArrayLike, lon: npt.ArrayLike) -> Frame:
        lat_a = np.asarray(lat, dtype=np.float64)
        lon_a = np.asarray(lon, dtype=np.float64)
        if lat_a.size == 0:
            return cls(30.0, 120.5)
        return cls(float(np.mean(lat_a)), float(np.mean(lon_a)))


def step_lengths(x: F8, y: F8) -> F8:
    """Distance from each point to the next (length n-1)."""
    return np.hypot(np.diff(x), np.diff(y))


def order(t: F8, *arrays: F8) -> tuple[F8, ...]:
    """Sort by time and drop repeated timestamps (keep the first)."""
    idx = np.argsort(t, kind="stable")
    t_sorted = t[idx]
    keep = np.ones(t_sorted.size, dtype=bool)
    keep[1:] = np.diff(t_sorted) > 0
    return (t_sorted[keep], *(a[idx][keep] for a in arrays))


def _median_outliers(
    t: F8, x: F8, y: F8, max_speed_ms: float, half: int = 2
) -> npt.NDArray[np.bool_]:
    """Points farther from the rolling median of their neighbours (window ``2*half+1``) than
    the fastest plausible movement over that window: bursts of up to ``half`` bad fixes."""
    n = t.size
    w = 2 * half + 1
    if n < w:
        return np.zeros(n, dtype=bool)
    from numpy.lib.stride_tricks import sliding_window_view

    pad = np.pad
    xs = sliding_window_view(pad(x, half, mode="edge"), w)
    ys = sliding_window_view(pad(y, half, mode="edge"), w)
    ts = sliding_window_view(pad(t, half, mode="edge"), w)
    mx, my = np.median(xs, axis=1), np.median(ys, axis=1)
    span = np.maximum(ts[:, -1] - ts[:, 0], 1.0)
    return np.hypot(x - mx, y - my) > max_speed_ms * span


def clean(
    t: F8,
    x: F8,
    y: F8,
    *,
    max_speed_ms: float,
    plausible_ms: float | None = None,
    rounds: int = 3,
) -> npt.NDArray[np.bool_]:
    """Mask of the points to keep: GPS jitter is dropped — a burst of up to two fixes far from
    the rolling median of their neighbours, and any point the track jumps to and back from
    faster than ``max_speed_ms``. With ``plausible_ms``, also a single fix reached and left
    faster than that while the way from its predecessor to its successor is plausible (an
    out-and-back spike of a few hundred metres: too slow for ``max_speed_ms`` at 10–30 s
    sampling, but no truck goes there and back). Vectorised (a few rounds)."""
    keep = ~_median_outliers(t, x, y, max_speed_ms)
    for _ in range(rounds):
        idx = np.flatnonzero(keep)
        if idx.size < 3:
            break
        tt, xx, yy = t[idx], x[idx], y[idx]
        dt = np.maximum(np.diff(tt), 1e-9)
        speed = np.hypot(np.diff(xx), np.diff(yy)) / dt
        fast_in = np.concatenate(([False], speed > max_speed_ms))
        fast_out = np.concatenate((speed > max_speed_ms, [False]))
        spikes = fast_in & fast_out
        # The last point is a spike if only its incoming step is impossible.
        if speed.size and speed[-1] > max_speed_ms:
            spikes[-1] = True
        # So is the first (the rolling median, padded with it, never flags it) when only its
        # outgoing step is impossible.
        if speed.size >= 2 and speed[0] > max_speed_ms and speed[1] <= max_speed_ms:
            spikes[0] = True
        if plausible_ms is not None:
            around = np.hypot(xx[2:] - xx[:-2], yy[2:] - yy[:-2]) / np.maximum(
                tt[2:] - tt[:-2], 1e-9
            )
            spikes[1:-1] |= (
                (speed[:-1] > plausible_ms) & (speed[1:] > plausible_ms) & (around <= plausible_ms)
            )
        if not spikes.any():
            break
        keep[idx[spikes]] = False
    return keep


def gaps(t: F8, min_gap_s: float) -> I8:
    """Indices ``i`` where the time from point ``i`` to ``i+1`` exceeds ``min_gap_s``."""
    return np.flatnonzero(np.diff(t) > min_gap_s).astype(np.int64)


def segments(t: F8, min_gap_s: float) -> list[tuple[int, int]]:
    """The track split at gaps: ``[(start, end_exclusive), …]``."""
    cuts = gaps(t, min_gap_s) + 1
    bounds = np.concatenate(([0], cuts, [t.size]))
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


@dataclass(frozen=True)
class Stay:
    start: int  # index of the first point
    end: int  # index of the last point (inclusive)
    t_start: float
    t_end: float
    x: float
    y: float

    @property
    def duration_s(self) -> float:
        return self.t_end - self.t_start


def _stay_candidates(t: F8, x: F8, y: F8, r2: float, min_duration_s: float) -> I8:
    """Anchors that can start a stay, by necessary conditions checked for all points at once:
    the next point, the first point ``min_duration_s`` later and the one half-way to it all lie
    within the radius (a stay's points all do). A moving truck sampled every 10–30 s at under
    ~50 km/h steps less than the radius, so the next-point test alone leaves most of a trip to
    the per-anchor loop; the later points rule those out. Exact: no stay is lost."""
    n = t.size
    idx = np.arange(n - 1)
    near = (x[1:] - x[:-1]) ** 2 + (y[1:] - y[:-1]) ** 2 <= r2
    later = np.searchsorted(t, t[:-1] + min_duration_s, side="left")
    # ``later`` == n: the track ends before the stay could last long enough.
    ok = near & (later < n)
    end = np.minimum(later, n - 1)
    mid = (idx + end) // 2
    ok &= (x[end] - x[:-1]) ** 2 + (y[end] - y[:-1]) ** 2 <= r2
    ok &= (x[mid] - x[:-1]) ** 2 + (y[mid] - y[:-1]) ** 2 <= r2
    return np.flatnonzero(ok).astype(np.int64)


def stays(
    t: F8, x: F8, y: F8, *, radius_m: float, min_duration_s: float, window: int = 64
) -> list[Stay]:
    """Stay points by the standard rule (see the module docstring); ``t`` ascending."""
    n = t.size
    out: list[Stay] = []
    if n < 2:
        return out
    r2 = radius_m * radius_m
    candidates = _stay_candidates(t, x, y, r2, min_duration_s)
    pos = 0
    i = 0
    while pos < candidates.size:
        i = int(candidates[pos])
        # Find the first point after i farther than the radius from i, searching in windows.
        j = n
        lo = i + 1
        w = window
        while lo < n:
            hi = min(n, lo + w)
            d2 = (x[lo:hi] - x[i]) ** 2 + (y[lo:hi] - y[i]) ** 2
            far = np.flatnonzero(d2 > r2)
            if far.size:
                j = lo + int(far[0])
                break
            lo = hi
            w *= 2
        last = j - 1
        if t[last] - t[i] >= min_duration_s:
            out.append(
                Stay(
                    start=i,
                    end=last,
                    t_start=float(t[i]),
                    t_end=float(t[last]),
                    x=float(np.mean(x[i : last + 1])),
                    y=float(np.mean(y[i : last + 1])),
                )
            )
            pos = int(np.searchsorted(candidates, j))
        else:
            pos += 1
    return out


@dataclass(frozen=True)
class Run:
    """A run of consecutive points outside a corridor."""

    start: int
    end: int  # inclusive
    t_start: float
    t_end: float
    max_distance_m: float
    far_index: int  # the point farthest from the corridor

    @property
    def duration_s(self) -> float:
        return self.t_end - self.t_start


def runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Consecutive ``True`` runs of ``mask`` as ``(start, end_inclusive)``."""
    if mask.size == 0:
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def corridor_from_line(xs: F8, ys: F8, width_m: float) -> shapely.Geometry:
    """The buffer of ``width_m`` around a polyline (straight line or an earlier trip)."""
    if xs.size == 1:
        return shapely.buffer(shapely.points(xs[0], ys[0]), width_m)
    return shapely.buffer(shapely.linestrings(np.column_stack((xs, ys))), width_m)


def outside(
    t: F8, x: F8, y: F8, corridor: shapely.Geometry, *, min_duration_s: float = 0.0
) -> list[Run]:
    """Runs of points outside ``corridor`` lasting at least ``min_duration_s``."""
    if t.size == 0:
        return []
    shapely.prepare(corridor)
    inside = shapely.contains_xy(corridor, x, y)
    found: list[Run] = []
    for a, b in runs(~inside):
        if t[b] - t[a] < min_duration_s:
            continue
        pts = shapely.points(x[a : b + 1], y[a : b + 1])
        dist = shapely.distance(corridor, pts)
        k = int(np.argmax(dist))
        found.append(Run(a, b, float(t[a]), float(t[b]), float(dist[k]), a + k))
    return found


@dataclass
class Cleaned:
    """A cleaned track in its frame, with what was dropped."""

    frame: Frame
    t: F8
    lat: F8
    lon: F8
    x: F8
    y: F8
    dropped: int = 0
    dropped_t: list[float] = field(default_factory=list)


def prepare(
    t: npt.ArrayLike,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    max_speed_kmh: float,
    plausible_kmh: float | None = None,
) -> Cleaned:
    """Order, de-duplicate, project and clean a raw track (see ``clean``)."""
    t_a = np.asarray(t, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    t_a, lat_a, lon_a = order(t_a, lat_a, lon_a)
    frame = Frame.around(lat_a, lon_a)
    x, y = frame.xy(lat_a, lon_a)
    plausible = plausible_kmh / 3.6 if plausible_kmh is not None else None
    keep = clean(t_a, x, y, max_speed_ms=max_speed_kmh / 3.6, plausible_ms=plausible)
    return Cleaned(
        frame=frame,
        t=t_a[keep],
        lat=lat_a[keep],
        lon=lon_a[keep],
        x=x[keep],
        y=y[keep],
        dropped=int((~keep).sum()),
        dropped_t=[float(v) for v in t_a[~keep][:100]],
    )


def speeds_kmh(t: F8, x: F8, y: F8) -> F8:
    """Implied speed of each step (length n-1)."""
    return step_lengths(x, y) / np.maximum(np.diff(t), 1e-9) * 3.6
