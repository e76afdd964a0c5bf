#!/usr/bin/env python3
"""Benchmark: build a province-size registry with ``seed_demo --scale N`` and time a regulator's
organisation list at that size.

    .venv/bin/python bench/registry_scale.py --scale 100000                  # SQLite (throwaway file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/registry_scale.py --scale 100000 --backend all  # SQLite and PostgreSQL

For PostgreSQL, ``DATABASE_URL`` (or ``--pg-url``) names the *server*: the benchmark creates its
own database ``wufei_bench_registry`` there (dropped and re-created at each run, kept with
``--keep``). Every phase runs in a fresh child process, so the peak RSS is the phase's own.

Measured per backend: wall time of migrate, load_reference_data and seed_demo; organisations
and all rows (registry + audit events) per second; peak RSS of the seeding process; row counts;
then, for the provincial, a city and a county regulator, the organisation list as the registry
page runs it (``registry.queries.organizations``: ``restrict`` + filters, first page of 50),
its count, a name search, and the whole list page through Django's test client (median of
``--repeat`` runs, and the first, cold, run), after ``ANALYZE``. Results go to stdout and, with ``--json``, a file.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PG_DATABASE = "wufei_bench_registry"
REGULATORS = (
    ("province", "province (33)"),
    ("shaoxing", "city 绍兴 (3306)"),
    ("keqiao", "county 柯桥 (330603)"),
)
PAGE = 50


# --- child processes -------------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child_command(name: str, args: list[str]) -> dict:
    _django()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command(name, *args)
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb()}


def _timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"first_ms": round(times[0], 2), "median_ms": round(statistics.median(times), 2)}


def child_queries(repeat: int) -> dict:
    _django()
    from django.db import connection
    from django.test import Client, override_settings

    from wufei.core.models import AuditEvent, User
    from wufei.registry import queries
    from wufei.registry.models import Driver, Facility, Organization, Permit, Site, Vehicle

    counts = {
        m.__name__: m.objects.count()
        for m in (Organization, Site, Facility, Permit, Vehicle, Driver, AuditEvent)
    }
    counts["producers"] = Organization.objects.filter(is_producer=True).count()
    result: dict = {"counts": counts, "regulators": {}}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics as autovacuum would have them after the bulk load
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), pg_database_size(current_database())")
            version, size = cursor.fetchone()
            result["server"] = version.split(" on ")[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            result["server"] = "SQLite " + cursor.fetchone()[0]
            size = Path(connection.settings_dict["NAME"]).stat().st_size
        result["database_mb"] = round(size / 2**20, 1)

    def user(username: str) -> User:
        return User.objects.get(username=username)  # a fresh object: the principal is loaded again

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": static,
        }
    ):
        for username, label in REGULATORS:
            filters = {"role": "producer", "management_class": "key"}
            visible = queries.organizations(user(username)).count()
            matching = queries.organizations(user(username), **filters).count()
            client = Client()
            client.force_login(user(username))
            url = "/registry/organizations/?role=producer&management_class=key"
            status = client.get(url).status_code
            result["regulators"][label] = {
                "visible": visible,
                "matching": matching,
                "first_page": _timed(
                    lambda u=username, f=filters: list(queries.organizations(user(u), **f)[:PAGE]),
                    repeat,
                ),
                "count": _timed(
                    lambda u=username, f=filters: queries.organizations(user(u), **f).count(),
                    repeat,
                ),
                "search": _timed(
                    lambda u=username: list(queries.organizations(user(u), q="印染")[:PAGE]), repeat
                ),
                "page": _timed(lambda c=client, u=url: c.get(u), repeat),
                "page_status": status,
            }
    return result


# --- the driver ------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        mem_kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


def _run_child(env: dict, *args: str) -> dict:
    out = subprocess.run(  # noqa: S603  (this script, our interpreter)
        [sys.executable, __file__, "--child", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-3000:] + out.stderr[-3000:])
        raise SystemExit(f"child {args} failed ({out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUFEI_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "WUFEI_DEBUG": "0",
            "WUFEI_SECRET_KEY": "bench-only-not-a-secret",
            "WUFEI_LOG_LEVEL": "WARNING",
            "WUFEI_AXES_DISABLED": "1",
        }
    )
    return env


def _pg_database(server_url: str, keep: bool) -> str:
    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
        ).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{PG_DATABASE}"')
        if not exists or not keep:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return urlunsplit(parts._replace(path="/" + PG_DATABASE))


def bench(backend: str, database_url: str, args: argparse.Namespace) -> dict:
    env = _env(database_url)
    report: dict = {"backend": backend, "scale": args.scale}
    print(f"[{backend}] migrate …", flush=True)
    report["migrate_s"] = round(
        _run_child(env, "command", "migrate", "--verbosity", "0")["seconds"], 1
    )
    print(f"[{backend}] load_reference_data …", flush=True)
    report["reference_s"] = round(
        _run_child(env, "command", "load_reference_data", "--verbosity", "0")["seconds"], 1
    )
    print(f"[{backend}] seed_demo --scale {args.scale} …", flush=True)
    seed = _run_child(env, "command", "seed_demo", "--scale", str(args.scale), "--quiet")
    report["seed_s"] = round(seed["seconds"], 1)
    report["seed_peak_rss_mb"] = round(seed["peak_rss_mb"])
    print(f"[{backend}] seed_demo again (nothing to add) …", flush=True)
    report["reseed_s"] = round(
        _run_child(env, "command", "seed_demo", "--scale", str(args.scale), "--quiet")["seconds"], 1
    )
    print(f"[{backend}] queries …", flush=True)
    q = _run_child(env, "queries", "--repeat", str(args.repeat))
    report.update(q)
    c = q["counts"]
    rows = sum(
        c[k]
        for k in ("Organization", "Site", "Facility", "Permit", "Vehicle", "Driver", "AuditEvent")
    )
    report["organizations_per_s"] = round(c["Organization"] / seed["seconds"])
    report["rows_per_s"] = round(rows / seed["seconds"])
    return report


def show(report: dict) -> None:
    c = report["counts"]
    print(f"\n== {report['backend']} ({report['server']}), scale {report['scale']:,} ==")
    print(
        f"seed_demo: {report['seed_s']} s, {report['organizations_per_s']:,} organisations/s, "
        f"{report['rows_per_s']:,} rows/s (incl. audit events), peak RSS {report['seed_peak_rss_mb']} MB; "
        f"second run {report['reseed_s']} s; migrate {report['migrate_s']} s, reference data "
        f"{report['reference_s']} s; database {report['database_mb']} MB"
    )
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in c.items()))
    print(
        f"{'regulator':<22}{'visible':>9}{'key prod.':>10}  {'page 1 (ms)':>13}{'count (ms)':>13}"
        f"{'search (ms)':>13}{'list page (ms)':>16}"
    )
    for label, r in report["regulators"].items():
        cells = [
            f"{r[k]['median_ms']:.1f}/{r[k]['first_ms']:.0f}"
            for k in ("first_page", "count", "search", "page")
        ]
        print(
            f"{label:<22}{r['visible']:>9,}{r['matching']:>10,}  {cells[0]:>13}{cells[1]:>13}{cells[2]:>13}"
            f"{cells[3]:>16}"
        )
    print("(times: median/first of the runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="producers (default 100000)")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgres", "all"),
        default=None,
        help="default: sqlite, plus postgres when DATABASE_URL is PostgreSQL",
    )
    parser.add_argument(
        "--pg-url", default=os.environ.get("DATABASE_URL", ""), help="PostgreSQL server URL"
    )
    parser.add_argument("--repeat", type=int, default=7, help="runs of each query (default 7)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases (SQLite file path is printed)"
    )
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "queries":
            print(json.dumps(child_queries(int(rest[rest.index("--repeat") + 1]))))
        else:
            print(json.dumps(child_command(rest[0], rest[1:])))
        return
    on_pg = args.pg_url.startswith(("postgres://", "postgresql://"))
    backends = {"sqlite": ["sqlite"], "postgres": ["postgres"], "all": ["sqlite", "postgres"]}.get(
        args.backend or "", ["sqlite", "postgres"] if on_pg else ["sqlite"]
    )
    if "postgres" in backends and not on_pg:
        raise SystemExit("PostgreSQL needs DATABASE_URL or --pg-url (postgres://…)")
    results: dict = {"machine": machine(), "runs": []}
    print("machine: " + ", ".join(f"{k} {v}" for k, v in results["machine"].items()))
    for backend in backends:
        if backend == "sqlite":
            workdir = Path(tempfile.mkdtemp(prefix="wufei-bench-"))
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            url = _pg_database(args.pg_url, args.keep)
        try:
            report = bench(backend, url, args)
        finally:
            if backend == "sqlite":
                if args.keep:
                    print(f"kept {url}")
                else:
                    shutil.rmtree(workdir, ignore_errors=True)
        show(report)
        results["runs"].append(report)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
