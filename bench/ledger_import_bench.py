#!/usr/bin/env python3
"""Benchmark: import N ledger rows (default 1,000,000) from one CSV, all or nothing.

    .venv/bin/python bench/ledger_import_bench.py                 # SQLite in a temp WUFEI_VAR_DIR
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wufei_ledger_bench \\
        .venv/bin/python bench/ledger_import_bench.py             # PostgreSQL (fresh database)

Generates a deterministic CSV (random.Random(42)) for a demo producer: one container per
three rows (产生 → 入库 → 出库), a year of days, two filed plans (this year and last), and
imports it with ``import_ledger`` and a tqdm progress bar. Prints rows/s, the phases and the
peak RSS. Goal (issue 3): 1,000,000 rows in < 60 s. See docs/performance.md, "Ledger".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
os.environ.setdefault("WUFEI_DEBUG", "1")
if "DATABASE_URL" not in os.environ:
    os.environ["WUFEI_VAR_DIR"] = tempfile.mkdtemp(prefix="wufei-ledger-bench-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # no query log

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

HEAD = "stage,time,waste_code,quantity,unit,container_code,package_type,count,facility,destination,operator\n"


def setup():
    from wufei.ledger.tests.factories import producer_setup
    from wufei.plans.tests.factories import FiledPlanFactory, PlanWasteFactory

    p = producer_setup(capacity="100000")
    last = FiledPlanFactory(site=p.site, year=p.plan.year - 1)
    PlanWasteFactory(plan=last, waste_code=p.code, internal_name="废机油", process="设备维修",
                     form="liquid", storage_facility=p.storage)  # fmt: skip
    return p


def generate(path: Path, rows: int, code: str) -> int:
    rnd = random.Random(42)
    containers = -(-rows // 3)
    today = timezone.localdate()
    first = today - dt.timedelta(days=365)
    per_day = -(-containers // 364)
    assert per_day <= 999, "one waste code: at most 999 containers a day"
    written = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for i in range(containers):
            day = first + dt.timedelta(days=i // per_day)
            k = i % per_day
            t0 = dt.datetime(day.year, day.month, day.day, 0) + dt.timedelta(minutes=k)
            kg = rnd.randint(20, 400)
            ref = f"C{i:07d}"
            lines = [
                f"产生,{t0:%Y-%m-%d %H:%M},{code},{kg},kg,{ref},桶,1,,,操作员{k % 7}\n",
                f"入库,{t0 + dt.timedelta(minutes=5):%Y-%m-%d %H:%M},,,,{ref},,,TS001,,仓管{k % 3}\n",
                f"出库,{t0 + dt.timedelta(hours=6):%Y-%m-%d %H:%M},,,,{ref},,,TS001,转移处置,仓管{k % 3}\n",
            ]
            for line in lines[: max(0, rows - written)]:
                fh.write(line)
                written += 1
    return written


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())  # fmt: skip
    mem = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    return (f"{os.cpu_count()} CPU {cpu}, {mem / 1024 / 1024:.0f} GiB, Python "
            f"{platform.python_version()}, Django {django.get_version()}, "
            f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else connection.cursor().connection.info.server_version}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--rows", type=int, default=1_000_000)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from wufei.ledger.actions import import_ledger
    from wufei.ledger.importing import read_rows
    from wufei.ledger.models import Container, LedgerEntry

    p = setup()
    path = Path(tempfile.mkdtemp()) / "ledger.csv"
    t = time.perf_counter()
    n = generate(path, args.rows, p.code.code)
    print(
        f"generated {n:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
    )
    bar = tqdm(total=n, unit="row", disable=args.no_progress, desc="check")
    marks: dict[str, float] = {}
    state = {"last": 0}

    def progress(done: int) -> None:
        if done < state["last"]:
            marks.setdefault("checked", time.perf_counter())
            bar.set_description("write")
        state["last"] = done
        bar.n = done
        bar.refresh()

    t0, cpu0 = time.perf_counter(), time.process_time()
    with path.open("rb") as fh:
        result = import_ledger(p.user, p.site, read_rows(fh, path.name), filename=path.name,
                               progress=progress)  # fmt: skip
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    bar.close()
    assert result.ok, result.errors[:5]
    checked = marks.get("checked", t0 + elapsed) - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {machine()}")
    print(f"imported {result.total:,} rows → {result.containers:,} containers, "
          f"{result.entries:,} entries in {elapsed:.1f} s = {result.total / elapsed:,.0f} rows/s "
          f"(check {checked:.1f} s, write {elapsed - checked:.1f} s; CPU {cpu:.1f} s); "
          f"peak RSS {rss:,.0f} MiB; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    assert Container.objects.count() == result.containers
    assert LedgerEntry.objects.count() == result.entries


if __name__ == "__main__":
    main()
