#!/usr/bin/env python3
"""Benchmark: record N containers (default 2,000) through ``POST /api/v1/containers/``.

    .venv/bin/python bench/containers_api_bench.py                  # SQLite in a temp WUFEI_VAR_DIR
    .venv/bin/python bench/containers_api_bench.py --postgres wufei_containers_bench
        # PostgreSQL at 127.0.0.1:5432 (user postgres): createdb NAME, run, dropdb NAME

Each request is the one-step 五即 call a plant's system makes: produce + weigh + code + store
(body: site, waste_code, package_type, volume_litres, weight_tonnes, facility, operator), with
its own ``Idempotency-Key``, sent by ``django.test.Client`` (the whole Django and DRF stack:
middleware, session authentication, serializer, action, audit, idempotency record; no HTTP
socket). The producer's filed plan lists enough waste codes for the HJ 1276 sequence (999
containers per code and day). After the timed run, 10 % of the keys are posted again and must
write nothing. Prints containers/s, p50/p95/p99 latency and the machine.
See docs/performance.md, section "Ledger".
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432/"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--containers", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument(
        "--postgres",
        metavar="DBNAME",
        help="create this database on 127.0.0.1:5432 (user postgres), run there, drop it",
    )
    return parser.parse_args()


def pg(cmd: str, name: str) -> None:
    args = [cmd, "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", name]
    subprocess.run(args, check=True)  # noqa: S603 - createdb/dropdb with our own name


def machine(connection: object) -> str:
    import django

    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "?")
    mem = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    conn: object = connection
    if getattr(conn, "vendor", "") == "sqlite":
        db = f"SQLite {conn.Database.sqlite_version}"  # type: ignore[attr-defined]
    else:
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute("SHOW server_version")
            db = f"PostgreSQL {cur.fetchone()[0]}"
    return (
        f"nproc {os.cpu_count()}, {cpu}, {mem / 1024 / 1024:.1f} GiB; Python "
        f"{platform.python_version()}, Django {django.get_version()}, {db}"
    )


def setup(n: int):
    from django.contrib.auth import get_user_model

    from wufei.ledger.tests.factories import producer_setup
    from wufei.plans.tests.factories import PlanWasteFactory

    p = producer_setup(capacity="1000000")
    codes = [p.code.code]
    for _ in range((n - 1) // 950):  # the HJ 1276 sequence: 999 a day per waste code
        line = PlanWasteFactory(plan=p.plan, internal_name="废机油", storage_facility=p.storage)
        codes.append(line.waste_code.code)
    user = get_user_model().objects.get(pk=p.user.pk)
    return p, codes, user


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from wufei.core.models import IdempotencyRecord
    from wufei.ledger.models import Container, LedgerEntry

    call_command("migrate", verbosity=0)
    total = args.containers + args.warmup
    p, codes, user = setup(total)
    client = Client()
    client.force_login(user)

    def body(i: int) -> dict:
        return {
            "site": p.site.pk,
            "waste_code": codes[i // 950],
            "package_type": "drum",
            "volume_litres": "200",
            "weight_tonnes": f"{0.05 + (i % 30) / 100:.2f}",
            "facility": p.storage.pk,
            "operator": f"操作员{i % 7}",
        }

    def post(i: int):
        return client.post(
            "/api/v1/containers/",
            body(i),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"bench-{i}",
        )

    for i in range(args.warmup):
        r = post(i)
        assert r.status_code == 201, r.content
    latencies = []
    t0 = time.perf_counter()
    for i in range(args.warmup, total):
        t = time.perf_counter()
        r = post(i)
        latencies.append(time.perf_counter() - t)
        assert r.status_code == 201, r.content
    elapsed = time.perf_counter() - t0
    stored = Container.objects.filter(status="stored").count()
    entries = LedgerEntry.objects.count()
    before = (Container.objects.count(), entries, IdempotencyRecord.objects.count())
    replays = []
    for i in range(args.warmup, total, 10):
        t = time.perf_counter()
        r = post(i)
        replays.append(time.perf_counter() - t)
        assert r.status_code == 201 and r["Idempotent-Replayed"] == "true"
    after = (
        Container.objects.count(),
        LedgerEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )
    assert stored == total and before == after, (stored, before, after)
    ms = [x * 1000 for x in latencies]
    print(f"machine: {machine(connection)}")
    print(
        f"{args.containers:,} containers (produce+weigh+code+store, {len(codes)} waste codes) "
        f"in {elapsed:.1f} s = {args.containers / elapsed:,.1f} containers/s; "
        f"latency p50 {percentile(ms, 0.5):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )
    print(
        f"ledger: {stored:,} containers stored, {entries:,} entries; "
        f"{len(replays)} replays (same Idempotency-Key) wrote nothing, "
        f"p50 {percentile([x * 1000 for x in replays], 0.5):.1f} ms"
    )


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
    os.environ.setdefault("WUFEI_DEBUG", "1")
    if args.postgres:
        os.environ["DATABASE_URL"] = PG + args.postgres
        pg("createdb", args.postgres)
        try:
            run(args)
        finally:
            from django.db import connections

            connections.close_all()
            pg("dropdb", args.postgres)
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["WUFEI_VAR_DIR"] = tempfile.mkdtemp(prefix="wufei-containers-bench-")
        run(args)


if __name__ == "__main__":
    main()
