#!/usr/bin/env python3
"""Benchmark: track-vs-manifest findings over a province-day of truck points, side by side with
movingpandas' stop detection on the same data (issue 5, "Benchmarks").

    .venv/bin/python bench/trips_findings.py                        # 1 M and 5 M points
    .venv/bin/python bench/trips_findings.py --points 1000000 --repeat 5 --json out.json
    .venv/bin/python bench/trips_findings.py --mp-python /tmp/mpvenv/bin/python

movingpandas is not a wufei dependency. For the comparison install it into a throwaway venv
(bench/requirements-movingpandas.txt):

    python3 -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install -r bench/requirements-movingpandas.txt

and pass ``--mp-python /tmp/mpvenv/bin/python`` (or set WUFEI_MP_PYTHON; /tmp/mpvenv is also
tried). Without it (or with ``--no-movingpandas``) the wufei part runs alone and the comparison
is skipped.

What is measured (one process, one core, ``time.perf_counter``, median of ``--repeat`` runs;
the process CPU time is printed too, since the machine may be shared):

1. ``wufei.trips.findings.find`` on every vehicle-trip of a synthetic province-day
   (bench/trips_synth.py: the trip's points from the start of loading to the end of
   unloading, the origin and destination as places, the straight-line corridor, or for every
   other trip the road of an "earlier trip" as corridor) — points/s;
2. ``analysis.stays`` alone on the cleaned, gap-split segments that ``find`` gives it;
3. movingpandas 0.23 ``TrajectoryStopDetector.get_stop_time_ranges`` on the same cleaned
   segments (the first ``--mp-points`` of them; it is a per-point Python loop) with
   ``max_diameter = 2 × radius`` and the same minimum duration, and our stays on exactly that
   subset: speed ratio, stops matched by time overlap, precision / recall, and both against the
   generator's ground truth;
4. the same on the real bus track (wufei/trips/data; radius 30 m, 20 s, as in the tests).
See docs/performance.md, "Track findings".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import trips_compare as cmp  # noqa: E402
import trips_synth  # noqa: E402

from wufei.trips import analysis as a  # noqa: E402
from wufei.trips.findings import Context, Place, Thresholds, find  # noqa: E402
from wufei.trips.tests import realtrack  # noqa: E402

TH = Thresholds()


def contexts(day: trips_synth.Day) -> list[Context]:
    out = []
    for k, tr in enumerate(day.trips):
        earlier = [(tr.route[:, 0], tr.route[:, 1])] if k % 2 else []
        out.append(
            Context(
                departed_at=tr.departed_at,
                arrived_at=tr.arrived_at,
                planned_arrival_at=tr.planned_arrival_at,
                origin=Place(*tr.origin, TH.place_radius_m, "origin"),
                destination=Place(*tr.destination, TH.place_radius_m, "destination"),
                earlier_paths=earlier,
            )
        )
    return out


def run_find(day, ctxs) -> list:
    return [
        find(day.t[tr.i0 : tr.i1], day.lat[tr.i0 : tr.i1], day.lon[tr.i0 : tr.i1], c, TH)
        for tr, c in zip(day.trips, ctxs, strict=True)
    ]


def segments(day, results) -> list[tuple[int, np.ndarray, ...]]:
    """The cleaned, gap-split segments ``find`` hands to ``stays``: (trip, t, x, y, lat, lon)."""
    out = []
    for k, r in enumerate(results):
        cl = r.cleaned
        if cl is None:
            continue
        for s, e in a.segments(cl.t, TH.gap_minutes * 60):
            if e - s >= 2:
                out.append((k, cl.t[s:e], cl.x[s:e], cl.y[s:e], cl.lat[s:e], cl.lon[s:e]))
    return out


def run_stays(segs, radius, minimum) -> list[tuple[int, float, float]]:
    found = []
    for n, (_, t, x, y, *_rest) in enumerate(segs):
        for s in a.stays(t, x, y, radius_m=radius, min_duration_s=minimum):
            found.append((n, s.t_start, s.t_end))
    return found


def truth_kinds(day, segs, stops) -> Counter:
    """Each detected stop by the kind of ground-truth interval it overlaps most."""
    out: Counter = Counter()
    for n, t0, t1 in stops:
        trip = segs[n][0]
        rows = np.flatnonzero(day.truth_trip == trip)
        ov = np.minimum(day.truth_end[rows], t1) - np.maximum(day.truth_start[rows], t0)
        out[str(day.truth_kind[rows[np.argmax(ov)]]) if ov.size and ov.max() > 0 else "none"] += 1
    return out


def truth_recall(day, segs, stops, minimum) -> dict[str, str]:
    """Of the ground truth's stationary intervals at least ``minimum`` long inside the compared
    segments (origin, destination, long), how many a detected stop overlaps."""
    spans: dict[int, list[tuple[float, float]]] = {}
    for n, t0, t1 in stops:
        spans.setdefault(segs[n][0], []).append((t0, t1))
    first = {}
    for _, (trip, t, *_r) in enumerate(segs):
        lo, hi = first.get(trip, (t[0], t[-1]))
        first[trip] = (min(lo, t[0]), max(hi, t[-1]))
    out = {}
    for kind in ("origin", "destination", "long", "jam"):
        hit = total = 0
        for r in np.flatnonzero(day.truth_kind == kind):
            trip, t0, t1 = int(day.truth_trip[r]), day.truth_start[r], day.truth_end[r]
            if trip not in first or t1 - t0 < minimum:
                continue
            lo, hi = first[trip]
            if t0 < lo or t1 > hi:  # only partly inside the compared data
                continue
            total += 1
            hit += any(min(b, t1) - max(a_, t0) > 0 for a_, b in spans.get(trip, []))
        out[kind] = f"{hit}/{total}"
    return out


def describe(name: str, agr: dict) -> None:
    print(
        f"  {name}: ours {agr['ours']}, movingpandas {agr['theirs']}, matched {agr['matched']}"
        f" · precision {agr['precision']:.3f} recall {agr['recall']:.3f}"
        f" · start Δ median {agr['start_diff_s']['median']:+.0f} s"
        f" (p5 {agr['start_diff_s']['p5']:+.0f}, p95 {agr['start_diff_s']['p95']:+.0f})"
        f" · end Δ median {agr['end_diff_s']['median']:+.0f} s"
        f" (p5 {agr['end_diff_s']['p5']:+.0f}, p95 {agr['end_diff_s']['p95']:+.0f})"
        f" · IoU median {agr['iou']['median']:.3f} (p5 {agr['iou']['p5']:.3f})"
    )


def subset(segs, points: int) -> list:
    out, total = [], 0
    for s in segs:
        if total >= points:
            break
        out.append(s)
        total += s[1].size
    return out


def arrays(segs) -> dict[str, np.ndarray]:
    cols = list(zip(*[(np.full(s[1].size, n), *s[1:]) for n, s in enumerate(segs)], strict=True))
    keys = ("seg", "t", "x", "y", "lat", "lon")
    return {k: np.concatenate(c) for k, c in zip(keys, cols, strict=True)}


def compare(args, day, segs, report: dict) -> None:
    radius, minimum = TH.stop_radius_m, TH.stop_minutes * 60
    sub = subset(segs, args.mp_points)
    n_sub = sum(s[1].size for s in sub)
    wall, cpu, _ = cmp.timed(lambda: run_stays(sub, radius, minimum), args.repeat)
    ours = run_stays(sub, radius, minimum)
    print(
        f"comparison subset: {n_sub:,} cleaned points in {len(sub):,} segments"
        f" · radius {radius:.0f} m, {minimum / 60:.0f} min · movingpandas max_diameter"
        f" {2 * radius:.0f} m, min_duration {minimum / 60:.0f} min"
    )
    print(f"  wufei stays  {wall:.3f} s → {n_sub / wall:,.0f} points/s (CPU {n_sub / cpu:,.0f})")
    mp = cmp.run_movingpandas(args.mp_python, arrays(sub), 2 * radius, minimum, args.mp_repeat)
    det = float(np.median(mp["detect_s"]))
    det_cpu = float(np.median(mp["detect_cpu_s"]))
    build = float(np.median(mp["build_s"]))
    print(
        f"  movingpandas {det:.3f} s → {n_sub / det:,.0f} points/s (CPU {n_sub / det_cpu:,.0f})"
        f" (+ {build:.2f} s to build the TrajectoryCollection) · {mp['versions']}"
    )
    print(
        f"  speed ratio, stop detection alone on the same points: {det / wall:.0f}× wall,"
        f" {det_cpu / cpu:.0f}× CPU"
    )
    theirs = [tuple(s) for s in mp["stops"]]
    agr = cmp.agreement(ours, theirs)
    describe("agreement", agr)
    k_ours = truth_kinds(day, sub, [ours[i] for i in agr["ours_only"]])
    k_theirs = truth_kinds(day, sub, [theirs[i] for i in agr["theirs_only"]])
    print(f"  ours only by ground truth: {dict(k_ours)} · theirs only: {dict(k_theirs)}")
    rec_o, rec_t = (truth_recall(day, sub, s, minimum) for s in (ours, theirs))
    print(f"  ground truth ≥ {minimum / 60:.0f} min found: ours {rec_o} · movingpandas {rec_t}")
    ll = subset(sub, args.latlon_points)
    n_ll = sum(s[1].size for s in ll)
    mp_ll = cmp.run_movingpandas(args.mp_python, arrays(ll), 2 * radius, minimum, 1, latlon=True)
    det_ll = float(np.median(mp_ll["detect_s"]))
    same = sorted(map(tuple, mp_ll["stops"])) == sorted(s for s in theirs if s[0] < len(ll))
    print(
        f"  movingpandas on WGS-84 (geodesic, {n_ll:,} points): {n_ll / det_ll:,.0f} points/s"
        f" · the same stops as on the metric frame: {same}"
    )
    report["comparison"] = {
        "points": n_sub, "segments": len(sub), "wufei_stays_s": wall, "wufei_stays_cpu_s": cpu,
        "mp_detect_s": mp["detect_s"], "mp_detect_cpu_s": mp["detect_cpu_s"], "mp_build_s": mp["build_s"], "versions": mp["versions"],
        "ratio": det / wall, "agreement": {k: v for k, v in agr.items() if "only" not in k},
        "ours_only": dict(k_ours), "theirs_only": dict(k_theirs),
        "truth_ours": rec_o, "truth_theirs": rec_t,
        "latlon_points": n_ll, "latlon_points_per_s": n_ll / det_ll,
    }  # fmt: skip


def bus(args, report: dict) -> None:
    t, lat, lon = realtrack.bus_track()
    cl = a.prepare(t, lat, lon, max_speed_kmh=150)
    radius, minimum = 30.0, 20.0
    seg = [(0, cl.t, cl.x, cl.y, cl.lat, cl.lon)]
    wall, cpu, _ = cmp.timed(lambda: run_stays(seg, radius, minimum), max(args.repeat, 5))
    ours = run_stays(seg, radius, minimum)
    stops = realtrack.bus_stops()
    sx, sy = cl.frame.xy([s[1] for s in stops], [s[2] for s in stops])

    def at_stops(found) -> str:
        near = 0
        served = set()
        for _, t0, t1 in found:
            m = (cl.t >= t0) & (cl.t <= t1)
            cx, cy = cl.x[m].mean(), cl.y[m].mean()
            d = np.hypot(sx - cx, sy - cy)
            if d.min() < 60:
                near += 1
                served.add(int(np.argmin(d)))
        return f"{near}/{len(found)} within 60 m of a route stop, {len(served)}/{len(stops)} stops"

    print(
        f"bus track: {cl.t.size:,} points ({t.size:,} raw), radius {radius:.0f} m, {minimum:.0f} s"
    )
    print(
        f"  wufei stays  {wall * 1e3:.2f} ms → {cl.t.size / wall:,.0f} points/s"
        f" (CPU {cl.t.size / cpu:,.0f}) · {at_stops(ours)}"
    )
    report["bus"] = {"points": int(cl.t.size), "wufei_s": wall, "ours": len(ours)}
    if not args.mp_python:
        return
    mp = cmp.run_movingpandas(args.mp_python, arrays(seg), 2 * radius, minimum, args.mp_repeat)
    det = float(np.median(mp["detect_s"]))
    det_cpu = float(np.median(mp["detect_cpu_s"]))
    theirs = [tuple(s) for s in mp["stops"]]
    print(
        f"  movingpandas {det * 1e3:.1f} ms → {cl.t.size / det:,.0f} points/s"
        f" (CPU {cl.t.size / det_cpu:,.0f}) · {at_stops(theirs)}"
    )
    print(f"  speed ratio {det / wall:.0f}× wall, {det_cpu / cpu:.0f}× CPU")
    agr = cmp.agreement(ours, theirs)
    describe("agreement", agr)
    report["bus"].update(mp_s=det, mp_cpu_s=det_cpu, theirs=len(theirs), ratio=det / wall)
    report["bus"]["agreement"] = {k: v for k, v in agr.items() if "only" not in k}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", default="1000000,5000000", help="sizes, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mp-python", default=None, help="interpreter with movingpandas")
    ap.add_argument("--mp-points", type=int, default=100_000)
    ap.add_argument("--mp-repeat", type=int, default=3)
    ap.add_argument("--latlon-points", type=int, default=10_000)
    ap.add_argument("--no-movingpandas", action="store_true", help="the wufei part only")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.no_movingpandas:
        args.mp_python = None
    else:
        args.mp_python = args.mp_python or cmp.default_mp_python()
    if args.mp_python and not cmp.has_movingpandas(args.mp_python):
        sys.exit(f"{args.mp_python} has no movingpandas (bench/requirements-movingpandas.txt)")
    print(f"machine: {cmp.machine()}")
    report: dict = {"machine": cmp.machine(), "sizes": []}
    for k, size in enumerate(int(s) for s in args.points.split(",")):
        day = trips_synth.province_day(size, seed=args.seed)
        ctxs = contexts(day)
        n = day.t.size
        print(
            f"province-day: {n:,} points, {int(day.vehicle.max()) + 1:,} vehicles,"
            f" {len(day.trips):,} trips (seed {args.seed})"
        )
        results = run_find(day, ctxs)
        wall, cpu, walls = cmp.timed(lambda d=day, c=ctxs: run_find(d, c), args.repeat)
        kinds = Counter(f.kind for r in results for f in r.findings)
        print(
            f"  find    median {wall:.2f} s → {n / wall:,.0f} points/s per core"
            f" (CPU {n / cpu:,.0f}; runs {', '.join(f'{w:.2f}' for w in walls)})"
            f" · findings {dict(sorted(kinds.items()))}"
        )
        segs = segments(day, results)
        n_seg = sum(s[1].size for s in segs)
        s_wall, s_cpu, _ = cmp.timed(
            lambda g=segs: run_stays(g, TH.stop_radius_m, TH.stop_minutes * 60), args.repeat
        )
        print(
            f"  stays   median {s_wall:.2f} s → {n_seg / s_wall:,.0f} points/s per core"
            f" (CPU {n_seg / s_cpu:,.0f}; {n_seg:,} cleaned points in {len(segs):,} segments)"
        )
        report["sizes"].append(
            {"points": n, "trips": len(day.trips), "find_s": walls, "find_cpu_s": cpu,
             "stays_s": s_wall, "stays_points": n_seg, "findings": dict(kinds)}
        )  # fmt: skip
        if k == 0 and args.mp_python:
            compare(args, day, segs, report)
    if not args.mp_python:
        print(
            "movingpandas: not installed, comparison skipped (bench/requirements-movingpandas.txt)"
        )
    bus(args, report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
