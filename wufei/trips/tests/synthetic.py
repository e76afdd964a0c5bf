"""Synthetic truck tracks with injected anomalies (tests and the demo's generator use them)."""

from __future__ import annotations

import numpy as np

from wufei.trips.analysis import Frame

ORIGIN = (30.00, 120.58)  # Shaoxing, Keqiao
DESTINATION = (30.27, 120.15)  # Hangzhou, west
T0 = 1_772_400_000.0  # 2026-03-02 ~05:20 UTC


def drive(
    *,
    step_s: float = 15.0,
    speed_ms: float = 16.0,
    stop_at: float | None = None,
    stop_minutes: float = 0.0,
    detour_at: tuple[float, float] | None = None,
    detour_km: float = 0.0,
    gap: tuple[float, float] | None = None,
    jitter_m: float = 4.0,
    seed: int = 7,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A trip from ORIGIN to DESTINATION: ``stop_at`` (share of the way) a stop of
    ``stop_minutes``; ``detour_at`` (from, to share) a sideways detour of ``detour_km``;
    ``gap`` (from, to share) a span without points."""
    rng = np.random.default_rng(seed)
    frame = Frame(*ORIGIN)
    dx, dy = frame.xy(DESTINATION[0], DESTINATION[1])
    length = float(np.hypot(dx, dy))
    n = int(length / speed_ms / step_s) + 1
    share = np.linspace(0.0, 1.0, n)
    t = T0 + np.arange(n) * step_s
    x, y = share * dx, share * dy
    if detour_at:
        a, b = detour_at
        inside = (share >= a) & (share <= b)
        bump = np.sin(np.pi * (share[inside] - a) / (b - a)) * detour_km * 1000
        nx, ny = -dy / length, dx / length
        x[inside] += bump * nx
        y[inside] += bump * ny
    if stop_at is not None and stop_minutes:
        k = int(stop_at * (n - 1))
        extra = int(stop_minutes * 60 / step_s)
        t = np.concatenate(
            (t[: k + 1], t[k] + np.arange(1, extra + 1) * step_s, t[k + 1 :] + extra * step_s)
        )
        x = np.concatenate((x[: k + 1], np.full(extra, x[k]), x[k + 1 :]))
        y = np.concatenate((y[: k + 1], np.full(extra, y[k]), y[k + 1 :]))
        share = np.concatenate((share[: k + 1], np.full(extra, share[k]), share[k + 1 :]))
    x = x + rng.normal(0, jitter_m, x.size)
    y = y + rng.normal(0, jitter_m, y.size)
    keep = np.ones(t.size, dtype=bool)
    if gap:
        keep &= ~((share > gap[0]) & (share < gap[1]))
    lat, lon = frame.latlon(x[keep], y[keep])
    return t[keep], lat, lon
