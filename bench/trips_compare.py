"""Helpers of bench/trips_findings.py: timing, stop matching and the movingpandas child run."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, list[float]]:
    """(median wall s, median CPU s of this process, all wall times)."""
    walls, cpus = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), walls


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1]) / 1024 / 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = float("nan")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"nproc {os.cpu_count()}, {model}, {mem:.1f} GiB RAM, Python {platform.python_version()}, "
        f"numpy {np.__version__}, shapely {__import__('shapely').__version__}, "
        f"load average {load:.2f}"
    )


def match(
    ours: list[tuple[int, float, float]], theirs: list[tuple[int, float, float]]
) -> list[tuple[int, int, float]]:
    """One-to-one pairs (index in ours, index in theirs, overlap s) of stops of the same segment
    whose time intervals overlap, the largest overlaps first."""
    by_seg: dict[int, list[int]] = {}
    for k, (seg, _, _) in enumerate(theirs):
        by_seg.setdefault(seg, []).append(k)
    pairs = []
    for i, (seg, a0, a1) in enumerate(ours):
        for k in by_seg.get(seg, []):
            _, b0, b1 = theirs[k]
            ov = min(a1, b1) - max(a0, b0)
            if ov > 0 or (ov == 0 and a0 == b0):
                pairs.append((ov, i, k))
    pairs.sort(reverse=True)
    used_i: set[int] = set()
    used_k: set[int] = set()
    out = []
    for ov, i, k in pairs:
        if i in used_i or k in used_k:
            continue
        used_i.add(i)
        used_k.add(k)
        out.append((i, k, ov))
    return out


def agreement(ours, theirs) -> dict:
    pairs = match(ours, theirs)
    d_start = np.array([theirs[k][1] - ours[i][1] for i, k, _ in pairs])
    d_end = np.array([theirs[k][2] - ours[i][2] for i, k, _ in pairs])
    iou = np.array(
        [
            ov / (max(ours[i][2], theirs[k][2]) - min(ours[i][1], theirs[k][1]) or 1.0)
            for i, k, ov in pairs
        ]
    )

    def q(a: np.ndarray, p: float) -> float:
        return float(np.percentile(a, p)) if a.size else float("nan")

    return {
        "ours": len(ours),
        "theirs": len(theirs),
        "matched": len(pairs),
        "precision": len(pairs) / len(ours) if ours else float("nan"),
        "recall": len(pairs) / len(theirs) if theirs else float("nan"),
        "start_diff_s": {"median": q(d_start, 50), "p5": q(d_start, 5), "p95": q(d_start, 95)},
        "end_diff_s": {"median": q(d_end, 50), "p5": q(d_end, 5), "p95": q(d_end, 95)},
        "iou": {"median": q(iou, 50), "p5": q(iou, 5)},
        "ours_only": sorted(set(range(len(ours))) - {i for i, _, _ in pairs}),
        "theirs_only": sorted(set(range(len(theirs))) - {k for _, k, _ in pairs}),
    }


def run_movingpandas(
    python: str,
    arrays: dict[str, np.ndarray],
    diameter: float,
    minimum_s: float,
    repeat: int,
    latlon: bool = False,
) -> dict:
    """movingpandas in its own interpreter (bench/trips_movingpandas.py), arrays via .npz."""
    with tempfile.TemporaryDirectory(prefix="wufei-mp-") as tmp:
        src, out = Path(tmp) / "in.npz", Path(tmp) / "out.json"
        np.savez(src, **arrays)
        cmd = [
            python, str(HERE / "trips_movingpandas.py"), str(src), str(out),
            "--max-diameter", str(diameter), "--min-duration", str(minimum_s),
            "--repeat", str(repeat),
        ] + (["--latlon"] if latlon else [])  # fmt: skip
        subprocess.run(cmd, check=True)  # noqa: S603 (our own script)
        return json.loads(out.read_text(encoding="utf-8"))


def has_movingpandas(python: str | None) -> bool:
    if not python:
        return False
    code = "import movingpandas, geopandas"
    return subprocess.run([python, "-c", code], capture_output=True).returncode == 0  # noqa: S603


def default_mp_python() -> str | None:
    for cand in (os.environ.get("WUFEI_MP_PYTHON"), sys.executable, "/tmp/mpvenv/bin/python"):  # noqa: S108
        if cand and Path(cand).exists() and has_movingpandas(cand):
            return cand
    return None
