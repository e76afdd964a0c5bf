#!/usr/bin/env python3
"""Benchmark: the province's capacity matching as a min-cost flow (wufei.analytics.matching).

    .venv/bin/python bench/analytics_matching.py            # 90 counties × 46 HW + 20 SW classes × 300 facilities
    .venv/bin/python bench/analytics_matching.py --repeat 5 --facilities 300

The graph: the 90 county centres of Zhejiang (wufei/catalog/data/zhejiang_divisions.csv /
.geojson), each generating every hazardous category (HW01–HW50 as in the 2021 名录, 46) and
20 general classes, with lognormal tonnages summing to the plan's 2024 totals (7.896 Mt
hazardous, 59.3966 Mt general); 300 facilities placed at random counties, each accepting 5–15
categories with capacities scaled so that the province as a whole has ~10 % spare capacity
but some categories are short. Solved once free and once with the locality rules
(一般固废不出县、危险废物不出市). Prints the problem size, the solve time (median of
--repeat runs) and the result, with the machine. See docs/performance.md, "Capacity matching".
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wufei.analytics.matching import Facility, Source, greedy, solve  # noqa: E402

HW_TOTAL, SW_TOTAL = 7_896_000.0, 59_396_600.0


def counties() -> list[tuple[str, float, float]]:
    import json

    geo = json.loads(
        (ROOT / "wufei/catalog/data/zhejiang_divisions.geojson").read_text(encoding="utf-8")
    )
    out = []
    for feat in geo["features"]:
        props = feat["properties"]
        if props.get("level") != "county":
            continue
        lon, lat = props["center"]
        out.append((str(props["code"]), float(lat), float(lon)))
    return sorted(out)


def categories() -> list[str]:
    with open(ROOT / "wufei/catalog/data/hw_catalog_2021.csv", encoding="utf-8") as fh:
        hw = sorted({row["category"] for row in csv.DictReader(fh)})
    return hw + [f"SW{n:02d}" for n in range(1, 21)]


def build(n_fac: int, seed: int) -> tuple[list[Source], list[Facility]]:
    rng = np.random.default_rng(seed)
    places = counties()
    cats = categories()
    hw = [c for c in cats if c.startswith("HW")]
    sources: list[Source] = []
    raw = rng.lognormal(0, 1.2, size=(len(places), len(cats)))
    hw_idx = [cats.index(c) for c in hw]
    sw_idx = [i for i in range(len(cats)) if i not in hw_idx]
    raw[:, hw_idx] *= HW_TOTAL / raw[:, hw_idx].sum()
    raw[:, sw_idx] *= SW_TOTAL / raw[:, sw_idx].sum()
    for i, (code, lat, lon) in enumerate(places):
        for j, cat in enumerate(cats):
            sources.append(Source(code, cat, round(float(raw[i, j]), 3), lat, lon))
    demand = {c: float(raw[:, j].sum()) for j, c in enumerate(cats)}
    offers: dict[str, int] = dict.fromkeys(cats, 0)
    picks = []
    for _ in range(n_fac):
        chosen = list(rng.choice(cats, size=int(rng.integers(5, 16)), replace=False))
        picks.append(chosen)
        for c in chosen:
            offers[c] += 1
    facilities = []
    for k, chosen in enumerate(picks):
        code, lat, lon = places[int(rng.integers(len(places)))]
        caps = {}
        for c in chosen:
            factor = 1.1 if rng.random() > 0.1 else 0.6  # some categories end up short
            caps[c] = round(demand[c] * factor / offers[c], 3)
        facilities.append(
            Facility(
                f"f{k}",
                code,
                lat + rng.normal(0, 0.03),
                lon + rng.normal(0, 0.03),
                sum(caps.values()),
                caps,
            )
        )
    return sources, facilities


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facilities", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sources, facilities = build(args.facilities, args.seed)
    arcs = sum(1 for s in sources for f in facilities if s.category in f.categories)
    print(
        f"sources {len(sources):,} (counties × categories), facilities {len(facilities)}, route arcs {arcs:,}"
    )
    for label, kw in (
        ("free", {}),
        ("locality rules", {"local_rule": {"SW": "county", "HW": "city"}}),
    ):
        times, sol = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sol = solve(sources, facilities, **kw)
            times.append(time.perf_counter() - t0)
        assert sol is not None
        print(
            f"{label:15} median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}) · "
            f"{sol.status} · placed {sol.placed_tonnes / 1e6:.3f} Mt · shortfall {sol.shortfall_tonnes / 1e6:.3f} Mt · "
            f"{sol.cost_tkm / 1e9:.3f} bn t·km"
        )
    t0 = time.perf_counter()
    base = greedy(sources, facilities)
    print(
        f"{'greedy':15} {time.perf_counter() - t0:.2f} s · placed {base.placed_tonnes / 1e6:.3f} Mt · "
        f"shortfall {base.shortfall_tonnes / 1e6:.3f} Mt · {base.cost_tkm / 1e9:.3f} bn t·km"
    )
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")),
        platform.processor(),
    )
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
