#!/usr/bin/env python3
"""Benchmark: the dashboard reads over a province-year of aggregates on PostgreSQL.

    .venv/bin/python bench/analytics_dashboard.py [--postgres wufei_analytics_bench] [--rounds 20]
        # createdb NAME on 127.0.0.1:5432 (user postgres), build, measure, dropdb NAME
        # --keep leaves the database for a second look (--reuse measures it again, no build)

The data are what the fold would have written for the whole of Zhejiang in one year
(≈ 7.9 Mt hazardous and 59.4 Mt general industrial solid waste, ≈ 2 M hazardous and 6 M
general manifests summarised): 90 counties × 365 days × the waste codes active there ×
flows (generated, sent out, sent out and treated with the receiver's method, received at the
city's treatment county, some on-site disposal and utilisation), generated directly as
aggregate rows (COPY), the monthly rows rolled up from the daily ones in SQL; 70,000
registered producers with their year rows; 100,000 warnings; the official statistics of the
province, its cities and counties. Then each dashboard read is timed ``--rounds`` times:
``indicators.compute`` for the province, every city and 30 counties, ``composition``,
``by_child_region`` (province → cities, city → counties), ``top_producers`` and ``trend``.
Prints p50 / p95 / max per read and the machine. See docs/performance.md, "Analytics".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432/"
YEAR = 2025
HW_TONNES, GW_TONNES = 7_896_000, 59_396_600
HW_MANIFESTS, GW_MANIFESTS = 2_000_000, 6_000_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="DBNAME", default="wufei_analytics_bench")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse", action="store_true", help="measure an existing database")
    parser.add_argument("--codes", type=int, default=40, help="hazardous codes per county")
    return parser.parse_args()


def pg(cmd: str, name: str) -> None:
    args = [cmd, "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", name]
    subprocess.run(args, check=True)  # noqa: S603 - createdb/dropdb with our own name


def machine() -> str:
    import django
    from django.db import connection

    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "?")
    mem = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        db = f"PostgreSQL {cur.fetchone()[0]}"
    return (
        f"nproc {os.cpu_count()}, {cpu}, {mem / 1024 / 1024:.1f} GiB; Python "
        f"{platform.python_version()}, Django {django.get_version()}, {db}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def _copy(table: str, cols: list[str], rows) -> int:
    from django.db import connection

    n = 0
    sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
    with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
        for r in rows:
            copy.write_row(r)
            n += 1
    return n


FLOW_COLS = [
    "day",
    "county_code",
    "city_code",
    "province_code",
    "hazardous",
    "category",
    "waste_code",
    "flow",
    "method",
    "tonnes",
    "manifests",
    "entries",
]
HW_METHODS = ["R4", "R2", "R9", "R15", "D10", "D9", "C1", "D1"]
HW_METHOD_WEIGHTS = [18, 8, 6, 10, 25, 10, 19, 4]
GW_METHODS = ["R5", "C2", "R15", "D1"]
GW_METHOD_WEIGHTS = [40, 45, 14, 1]


def build(codes_per_county: int) -> dict[str, int]:
    from django.db import connection

    from wufei.catalog.models import GeneralWasteCategory, Region, WasteCode

    rng = random.Random(2025)
    counties = list(
        Region.objects.filter(level="county", code__startswith="33").values_list("code", flat=True)
    )
    hw_codes = list(
        WasteCode.objects.filter(edition__code="2021")
        .exclude(category__code="HW01")
        .values_list("code", "category__code")
    )
    sw = list(GeneralWasteCategory.objects.values_list("code_2021", flat=True))
    hubs = {}  # each city's treatment county
    for c in counties:
        hubs.setdefault(c[:4], c)
    plan = {}
    for c in counties:
        chosen = rng.sample(hw_codes, codes_per_county)
        weights = [1 / (i + 1) for i in range(len(chosen))]  # a few codes dominate
        methods = {code: rng.choices(HW_METHODS, HW_METHOD_WEIGHTS)[0] for code, _ in chosen}
        gmethods = {s: rng.choices(GW_METHODS, GW_METHOD_WEIGHTS)[0] for s in sw}
        plan[c] = (chosen, weights, methods, gmethods, rng.uniform(0.4, 2.0))
    county_weight = sum(p[4] for p in plan.values())
    hw_per_day = HW_TONNES / 365 / county_weight
    gw_per_day = GW_TONNES / 365 / county_weight
    hw_t_per_manifest = HW_TONNES / HW_MANIFESTS
    gw_t_per_manifest = GW_TONNES / GW_MANIFESTS

    def rows():
        start = dt.date(YEAR, 1, 1)
        for d in range(365):
            day = start + dt.timedelta(days=d)
            received: dict[tuple, list] = defaultdict(lambda: [0.0, 0, 0])
            for c in counties:
                chosen, weights, methods, gmethods, size = plan[c]
                city, prov = c[:4] + "00", c[:2] + "0000"
                wsum = sum(weights)
                for (code, cat), w in zip(chosen, weights, strict=True):
                    if rng.random() > 0.6:
                        continue
                    t = round(hw_per_day * size * w / wsum / 0.6 * rng.uniform(0.5, 1.5), 4)
                    m = methods[code]
                    yield (
                        day,
                        c,
                        city,
                        prov,
                        True,
                        cat,
                        code,
                        "generated",
                        "",
                        t,
                        0,
                        max(1, int(t * 3)),
                    )
                    if rng.random() < 0.1:
                        yield (
                            day,
                            c,
                            city,
                            prov,
                            True,
                            cat,
                            code,
                            "disposed_on_site",
                            "D10",
                            round(t * 0.3, 4),
                            0,
                            1,
                        )
                        t = round(t * 0.7, 4)
                    n = max(1, round(t / hw_t_per_manifest))
                    yield (day, c, city, prov, True, cat, code, "sent_out", m, t, 0, n * 3)
                    yield (
                        day,
                        c,
                        city,
                        prov,
                        True,
                        cat,
                        code,
                        "sent_treated",
                        m,
                        round(t * 0.998, 4),
                        n,
                        n,
                    )
                    r = received[(hubs[c[:4]], True, cat, code, m)]
                    r[0] += t * 0.998
                    r[1] += n
                    r[2] += n
                for s in sw:
                    if rng.random() > 0.9:
                        continue
                    t = round(gw_per_day * size / len(sw) / 0.9 * rng.uniform(0.3, 1.7), 4)
                    m = gmethods[s]
                    n = max(1, round(t / gw_t_per_manifest))
                    yield (day, c, city, prov, False, s, s, "generated", "", t, 0, 1)
                    if rng.random() < 0.3:
                        yield (
                            day,
                            c,
                            city,
                            prov,
                            False,
                            s,
                            s,
                            "utilised_on_site",
                            "R5",
                            round(t * 0.4, 4),
                            0,
                            1,
                        )
                        t = round(t * 0.6, 4)
                    yield (
                        day,
                        c,
                        city,
                        prov,
                        False,
                        s,
                        s,
                        "sent_treated",
                        m,
                        round(t * 0.996, 4),
                        n,
                        n,
                    )
                    r = received[(c, False, s, s, m)]
                    r[0] += t * 0.996
                    r[1] += n
                    r[2] += n
            for (c, hz, cat, code, m), (t, n, e) in received.items():
                yield (
                    day,
                    c,
                    c[:4] + "00",
                    c[:2] + "0000",
                    hz,
                    cat,
                    code,
                    "received",
                    m,
                    round(t, 4),
                    n,
                    e,
                )

    t0 = time.perf_counter()
    daily = _copy("analytics_dailyflow", FLOW_COLS, rows())
    t1 = time.perf_counter()
    cols = ", ".join(FLOW_COLS[1:9])
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO analytics_monthlyflow (month, {cols}, tonnes, manifests, entries) "  # noqa: S608
            f"SELECT date_trunc('month', day)::date, {cols}, sum(tonnes), sum(manifests), "
            f"sum(entries) FROM analytics_dailyflow GROUP BY 1, {cols}"
        )
        monthly = cur.rowcount
    t2 = time.perf_counter()
    producers = _producers(rng, counties)
    warnings = _warnings(rng, counties)
    _statistics(counties)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t3 = time.perf_counter()
    print(
        f"built: {daily:,} daily rows ({t1 - t0:.0f} s, COPY), {monthly:,} monthly rows "
        f"({t2 - t1:.0f} s), {producers:,} producers, {warnings:,} warnings ({t3 - t2:.0f} s)"
    )
    return {"daily": daily, "monthly": monthly, "producers": producers, "warnings": warnings}


def _producers(rng: random.Random, counties: list[str]) -> int:
    from wufei.analytics.models import ProducerYear
    from wufei.catalog.models import Region
    from wufei.registry.models import Organization

    region_ids = dict(Region.objects.filter(code__in=counties).values_list("code", "id"))
    orgs = []
    for i in range(70_000):
        c = rng.choice(counties)
        orgs.append(
            Organization(
                uscc=f"91{i:016d}",
                name=f"产废单位{i:05d}有限公司",
                region_id=region_ids[c],
                is_producer=True,
                management_class=rng.choice(["key", "simplified", "registered", "registered"]),
            )
        )
    Organization.objects.bulk_create(orgs, batch_size=5000)
    # Read the ids before the COPY starts: a query on the connection that is in COPY mode would
    # wait for the COPY and the COPY for the rows — a deadlock (the build hung here).
    ids = list(Organization.objects.filter(uscc__startswith="91").values_list("id", "region__code"))

    def rows():
        for org_id, c in ids:
            t = round(rng.lognormvariate(3, 1.5), 4)
            shipments = rng.randint(0, 60)
            yield (
                org_id, YEAR, c, c[:4] + "00", c[:2] + "0000", True, rng.random() < 0.93,
                t, round(t * 5, 4), shipments * 3, shipments, 1 if rng.random() < 0.03 else 0,
            )  # fmt: skip

    return _copy(
        ProducerYear._meta.db_table,
        [
            "organization_id",
            "year",
            "county_code",
            "city_code",
            "province_code",
            "registered",
            "has_filed_plan",
            "hw_generated_t",
            "gw_generated_t",
            "hw_entries",
            "hw_shipments",
            "shipments_off_manifest",
        ],
        rows(),
    )


def _warnings(rng: random.Random, counties: list[str]) -> int:
    from wufei.catalog.models import Region
    from wufei.supervision.models import Warning

    tz = dt.timezone(dt.timedelta(hours=8))
    region_ids = dict(Region.objects.filter(code__in=counties).values_list("code", "id"))
    rules = ["storage.over_year", "manifest.receipt_overdue", "track.long_stop", "track.deviation"]
    out = []
    for i in range(100_000):
        raised = dt.datetime(YEAR, 1, 1, tzinfo=tz) + dt.timedelta(minutes=rng.randrange(525_600))
        status = rng.choices(["closed", "dismissed", "rectifying", "verifying"], [80, 12, 5, 3])[0]
        done = status in ("closed", "dismissed")
        out.append(
            Warning(
                rule=rng.choices(rules, [30, 40, 5, 25])[0],
                fact_key=f"bench:{i}",
                severity=rng.choice(["red", "orange", "yellow"]),
                status=status,
                title="预警",
                region_id=region_ids[rng.choice(counties)],
                raised_at=raised,
                closed_at=raised + dt.timedelta(days=rng.randint(1, 20)) if done else None,
                stage_due_at=None if done else raised + dt.timedelta(days=rng.randint(1, 10)),
            )
        )
    Warning.objects.bulk_create(out, batch_size=5000)
    return len(out)


def _statistics(counties: list[str]) -> None:
    from wufei.analytics.models import RegionStatistics
    from wufei.catalog.models import Region

    rows = []
    for r in Region.objects.filter(code__startswith="33"):
        share = 1.0 if r.level == "province" else (1 / 11 if r.level == "city" else 1 / 90)
        rows.append(
            RegionStatistics(
                region=r,
                year=YEAR,
                industrial_value_added=round(310_100_000 * share, 4),
                hw_capacity_t=round(16_700_000 * share, 4),
            )
        )
    RegionStatistics.objects.bulk_create(rows)


def measure(rounds: int) -> list[tuple[str, list[float]]]:
    from django.db import connection, reset_queries

    from wufei.analytics import aggregates, indicators
    from wufei.catalog.models import Region

    cities = list(
        Region.objects.filter(level="city", code__startswith="33").values_list("code", flat=True)
    )
    counties = list(
        Region.objects.filter(level="county", code__startswith="33").values_list("code", flat=True)
    )[::3]
    reads = {
        "compute province": lambda i: indicators.compute("33", YEAR),
        "compute city": lambda i: indicators.compute(cities[i % len(cities)], YEAR),
        "compute county": lambda i: indicators.compute(counties[i % len(counties)], YEAR),
        "compute province, month": lambda i: indicators.compute("33", YEAR, month=i % 12 + 1),
        "composition province": lambda i: aggregates.composition("33", YEAR),
        "composition city": lambda i: aggregates.composition(cities[i % len(cities)], YEAR),
        "by_child_region province": lambda i: aggregates.by_child_region("33", YEAR),
        "by_child_region city": lambda i: aggregates.by_child_region(cities[i % len(cities)], YEAR),
        "top_producers province": lambda i: aggregates.top_producers("33", YEAR),
        "trend province (intensity)": lambda i: indicators.trend("33", "intensity", YEAR),
        "trend city (zero-waste index)": lambda i: indicators.trend(
            cities[i % len(cities)], "zero_waste_index", YEAR
        ),
    }
    out = []
    for name, fn in reads.items():
        fn(0)  # warm the plan and the page cache
        times = []
        for i in range(rounds):
            reset_queries()
            t = time.perf_counter()
            fn(i + 1)
            times.append(time.perf_counter() - t)
        out.append((name, times))
    connection.close()
    return out


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
    os.environ.setdefault("WUFEI_DEBUG", "1")
    os.environ["DATABASE_URL"] = PG + args.postgres
    if not args.reuse:
        pg("createdb", args.postgres)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        if not args.reuse:
            call_command("migrate", verbosity=0)
            from wufei.catalog.loaders import load_all

            load_all()
            build(args.codes)
        print(machine())
        sample = indicators_sample()
        print(sample)
        results = measure(args.rounds)
        print(f"\n| read | p50 | p95 | max |  ({args.rounds} rounds each)\n|---|---|---|---|")
        for name, times in results:
            q = statistics.quantiles(times, n=20)
            print(
                f"| {name} | {statistics.median(times) * 1000:.0f} ms | {q[18] * 1000:.0f} ms | "
                f"{max(times) * 1000:.0f} ms |"
            )
    finally:
        if not args.keep and not args.reuse:
            from django.db import connections

            connections.close_all()
            pg("dropdb", args.postgres)


def indicators_sample() -> str:
    from wufei.analytics import indicators

    values = indicators.compute("33", YEAR)
    return "province " + ", ".join(f"{v.code}={v.value}" for v in values)


if __name__ == "__main__":
    main()
