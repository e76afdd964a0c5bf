#!/usr/bin/env python3
"""movingpandas' TrajectoryStopDetector on segments written by bench/trips_findings.py.

Runs in an interpreter that has movingpandas (not a wufei dependency; see
bench/requirements-movingpandas.txt) and needs nothing from wufei:

    python bench/trips_movingpandas.py IN.npz OUT.json --max-diameter 400 --min-duration 1200
        [--repeat 3] [--latlon]

IN.npz holds ``seg`` (segment id per point), ``t`` (epoch seconds), ``x``, ``y`` (metres in the
segment's local frame) and ``lat``, ``lon``. Without ``--latlon`` the trajectories get the metric
x/y and no CRS, so movingpandas measures with ``hypot`` (its fastest path, and the same metres as
wufei); with ``--latlon`` they get lon/lat in EPSG:4326, and movingpandas measures geodesic
distances with geopy, which is what a user who loads GPS points as they come gets.
Writes the stops (segment, start, end in epoch seconds), the time to build the
TrajectoryCollection and the time of ``get_stop_time_ranges`` for each repeat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--max-diameter", type=float, required=True)
    ap.add_argument("--min-duration", type=float, required=True, help="seconds")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--latlon", action="store_true")
    args = ap.parse_args()

    warnings.simplefilter("ignore")  # MissingCRSWarning for the metric frame, Stone Soup
    import geopandas as gpd
    import movingpandas as mpd
    import pandas as pd

    data = np.load(args.src)
    seg, t = data["seg"], data["t"]
    if args.latlon:
        gx, gy, crs = data["lon"], data["lat"], "EPSG:4326"
    else:
        gx, gy, crs = data["x"], data["y"], None

    def build() -> mpd.TrajectoryCollection:
        index = pd.DatetimeIndex(pd.to_datetime(np.round(t * 1e3).astype("int64"), unit="ms"))
        gdf = gpd.GeoDataFrame(
            {"traj": seg}, geometry=gpd.points_from_xy(gx, gy), crs=crs, index=index
        )
        return mpd.TrajectoryCollection(gdf, traj_id_col="traj", crs=crs)

    build_s, detect_s, detect_cpu_s = [], [], []
    ranges = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        tc = build()
        t1, c1 = time.perf_counter(), time.process_time()
        ranges = mpd.TrajectoryStopDetector(tc).get_stop_time_ranges(
            max_diameter=args.max_diameter, min_duration=dt.timedelta(seconds=args.min_duration)
        )
        t2, c2 = time.perf_counter(), time.process_time()
        build_s.append(t1 - t0)
        detect_s.append(t2 - t1)
        detect_cpu_s.append(c2 - c1)
    epoch = pd.Timestamp("1970-01-01")
    stops = [
        [int(r.traj_id), (r.t_0 - epoch).total_seconds(), (r.t_n - epoch).total_seconds()]
        for r in ranges
    ]
    out = {
        "points": int(t.size),
        "segments": int(np.unique(seg).size),
        "build_s": build_s,
        "detect_s": detect_s,
        "detect_cpu_s": detect_cpu_s,
        "stops": stops,
        "versions": {
            "movingpandas": mpd.__version__,
            "geopandas": gpd.__version__,
            "pandas": pd.__version__,
            "shapely": __import__("shapely").__version__,
            "numpy": np.__version__,
        },
    }
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
