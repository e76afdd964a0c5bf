#!/usr/bin/env python3
"""Benchmark: whole manifest lifecycles through the HTTP API on PostgreSQL, N clients at once.

    .venv/bin/python bench/manifests_api.py                       # 8 clients × 25 manifests
    .venv/bin/python bench/manifests_api.py --clients 16 --manifests 20 --servers 2

It creates a scratch database on 127.0.0.1:5432 (user postgres), migrates it, sets up one
shipper / carrier / receiver trio per client (each with its own stored, coded containers and
an API token per user), starts ``--servers`` Django processes (``manage.py runserver
--noreload``, threaded; no WSGI server such as gunicorn is among the project's dependencies,
so several runserver processes on consecutive ports stand in for a multi-worker server,
each client talks to one of them), with ``WUFEI_DEBUG=0`` and persistent connections.

Each client (a thread with its own keep-alive HTTP connection) runs, per manifest:
create → submit → scan-load × containers → sign-handover → sign-pickup →
scan-arrival × containers → sign-receipt → treatment (closes it), every POST with its own
``Idempotency-Key`` and ``If-Match`` on the signing steps. It prints transitions/s and
p50/p99 per transition, checks the outcome (every manifest closed, 5 signatures each, numbers
without duplicates or gaps), then runs pgbench's simple-write test on a second scratch
database of the same server (``pgbench -i``; ``pgbench -N -c 8 -j 2 -T 20``) as the ceiling.
With ``--profile`` one extra lifecycle runs in-process under cProfile and the top functions
and the queries per step are printed. See docs/performance.md, section "Manifests API".
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432/"
PY = sys.executable
STEPS = (
    "create",
    "submit",
    "scan-load",
    "sign-handover",
    "sign-pickup",
    "scan-arrival",
    "sign-receipt",
    "treatment",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--manifests", type=int, default=25, help="per client")
    parser.add_argument("--containers", type=int, default=3, help="per manifest")
    parser.add_argument("--servers", type=int, default=2, help="runserver processes")
    parser.add_argument("--port", type=int, default=18700)
    parser.add_argument("--db", default="wufei_manifests_bench")
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--profile", action="store_true", help="one in-process lifecycle")
    parser.add_argument(
        "--minimal", action="store_true", help="send Prefer: return=minimal on every step"
    )
    return parser.parse_args()


def pg(*args: str, timeout: float | None = None) -> str:
    out = subprocess.run(  # noqa: S603 - our own tools and names
        [*args[:1], "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", *args[1:]],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return out.stdout


def drop(name: str) -> None:
    """DROP DATABASE waits for every backend of the server to absorb a signal barrier (a
    backend of someone else's COPY can hold it for minutes): give up after 60 s and say so."""
    try:
        pg("dropdb", "--if-exists", name, timeout=60)
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as exc:
        print(f"could not drop database {name} ({exc}); drop it later", flush=True)


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "?")
    mem = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    version = pg("psql", "-tAc", "SHOW server_version", "postgres").strip()
    import django

    return (
        f"nproc {os.cpu_count()}, {cpu}, {mem / 1024 / 1024:.1f} GiB; Python "
        f"{platform.python_version()}, Django {django.get_version()}, PostgreSQL {version}"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- Set-up (in this process, on the scratch database) ----------------------------------------


def setup(args: argparse.Namespace) -> list[dict[str, Any]]:
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from wufei.manifests import signing
    from wufei.manifests.tests.factories import stored_container, trip_setup

    call_command("migrate", verbosity=0)
    signing.private_key()  # create the platform key once, before the servers start
    day = timezone.localdate().isoformat()
    worlds = []
    for _ in range(args.clients):
        trip = trip_setup(containers=0)
        boxes = [
            stored_container(trip.producer, n)
            for n in range(1, (args.manifests + 2) * args.containers + 1)
        ]
        token = {
            who: Token.objects.get_or_create(user=user)[0].key
            for who, user in (
                ("shipper", trip.shipper_user),
                ("driver", trip.driver_user),
                ("receiver", trip.receiver_user),
            )
        }
        worlds.append(
            {
                "token": token,
                "draft": {
                    "shipper_site": trip.producer.site.pk,
                    "receiver": trip.receiver.uscc,
                    "carrier": trip.carrier.uscc,
                    "vehicle": trip.vehicle.pk,
                    "driver": trip.driver.pk,
                    "planned_pickup_on": day,
                    "methods": "D10",
                },
                "containers": [b.ident_code for b in boxes],  # the last 2k: --profile
            }
        )
    return worlds


# --- The servers --------------------------------------------------------------------------


def start_servers(args: argparse.Namespace, env: dict[str, str]) -> list[subprocess.Popen]:
    procs = []
    for n in range(args.servers):
        procs.append(
            subprocess.Popen(  # noqa: S603
                [PY, "manage.py", "runserver", "--noreload", f"127.0.0.1:{args.port + n}"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    for n in range(args.servers):
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port + n, timeout=2)
                c.request("GET", "/healthz")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"server on port {args.port + n} did not start")
    return procs


class Client:
    """One keep-alive HTTP connection; every POST carries an Idempotency-Key, so a request
    that lost its connection is simply sent again."""

    def __init__(self, port: int, minimal: bool = False) -> None:
        self.port = port
        self.minimal = minimal
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(
        self, token: str, method: str, path: str, body: Any = None, etag: str = ""
    ) -> tuple[int, dict[str, Any], str]:
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept-Language": "en",
        }
        if method == "POST":
            headers["Idempotency-Key"] = secrets.token_hex(12)
        if etag:
            headers["If-Match"] = etag
        if self.minimal:
            headers["Prefer"] = "return=minimal"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                if (r.getheader("Connection") or "").lower() == "close":
                    self.conn.close()
                return r.status, json.loads(raw or b"{}"), r.getheader("ETag") or ""
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def lifecycle(
    client: Client,
    world: dict[str, Any],
    codes: list[str],
    timings: dict[str, list[float]],
) -> int:
    """One manifest from draft to closure; returns the number of transitions."""
    tok = world["token"]
    n = 0

    def step(name: str, who: str, path: str, body: Any = None, etag: str = "") -> Any:
        nonlocal n
        t = time.perf_counter()
        status, data, new_etag = client.call(tok[who], "POST", path, body, etag)
        timings[name].append(time.perf_counter() - t)
        n += 1
        if status not in (200, 201):
            raise RuntimeError(f"{name}: {status} {data}")
        return data, new_etag

    m, etag = step(
        "create", "shipper", "/api/v1/manifests/", {**world["draft"], "containers": codes}
    )
    base = f"/api/v1/manifests/{m['id']}/"
    m, etag = step("submit", "shipper", base + "submit/", etag=etag)
    for code in codes:
        _, etag = step("scan-load", "driver", base + "scan-load/", {"code": code})
    m, etag = step("sign-handover", "shipper", base + "sign-handover/", etag=etag)
    m, etag = step("sign-pickup", "driver", base + "sign-pickup/", etag=etag)
    for code in codes:
        _, etag = step(
            "scan-arrival",
            "receiver",
            base + "scan-arrival/",
            {"code": code, "weight_tonnes": "0.1790"},
        )
    m, etag = step("sign-receipt", "receiver", base + "sign-receipt/", {}, etag=etag)
    m, etag = step("treatment", "receiver", base + "treatment/", {}, etag=etag)
    if m["status"] != "closed":
        raise RuntimeError(f"manifest {m['id']} ended {m['status']}")
    return n


class LockSampler(threading.Thread):
    """Samples pg_stat_activity of the bench database every 20 ms: how many backends are
    running a statement, and how many of them wait for a lock (and on what)."""

    def __init__(self, db: str) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.samples = 0
        self.active = 0
        self.waits: dict[str, int] = defaultdict(int)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(PG + "postgres", autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT wait_event_type, wait_event, query FROM pg_stat_activity "
                    "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()",
                    (self.db,),
                ).fetchall()
                self.samples += 1
                self.active += len(rows)
                for kind, event, query in rows:
                    if kind == "Lock":
                        table = re.search(r"(?:FROM|UPDATE|INTO) \"(\w+)\"", query or "")
                        self.waits[f"{event} on {table.group(1) if table else '?'}"] += 1
                time.sleep(0.02)

    def report(self) -> str:
        n = max(self.samples, 1)
        waits = ", ".join(
            f"{k} {v / n:.2f}" for k, v in sorted(self.waits.items(), key=lambda x: -x[1])[:4]
        )
        return (
            f"pg_stat_activity ({self.samples} samples): {self.active / n:.2f} statements "
            f"running on average, waiting for a lock: {sum(self.waits.values()) / n:.2f}"
            f"{' (' + waits + ')' if waits else ''}"
        )


def run_clients(
    args: argparse.Namespace, worlds: list[dict[str, Any]]
) -> tuple[float, int, dict[str, list[float]], list[str]]:
    per_client: list[dict[str, list[float]]] = [defaultdict(list) for _ in worlds]
    counts = [0] * len(worlds)
    errors: list[str] = []
    barrier = threading.Barrier(len(worlds) + 1)

    def work(i: int) -> None:
        client = Client(args.port + i % args.servers, args.minimal)
        world = worlds[i]
        codes = world["containers"]
        k = args.containers
        try:
            # warm-up: the first manifest is not timed (connections, imports, caches)
            lifecycle(client, world, codes[:k], defaultdict(list))
            barrier.wait()
            for j in range(1, args.manifests):
                counts[i] += lifecycle(client, world, codes[j * k : (j + 1) * k], per_client[i])
        except Exception as exc:  # noqa: BLE001 - reported
            errors.append(f"client {i}: {exc}")
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(worlds))]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    merged: dict[str, list[float]] = defaultdict(list)
    for timings in per_client:
        for name, values in timings.items():
            merged[name].extend(values)
    return elapsed, sum(counts), merged, errors


def check_outcome(args: argparse.Namespace) -> str:
    from wufei.manifests.models import Manifest, Signature

    total = args.clients * args.manifests
    statuses = set(Manifest.objects.values_list("status", flat=True))
    numbers = list(Manifest.objects.values_list("number", flat=True))
    sigs = Signature.objects.count()
    serials = sorted(int(x[8:]) for x in numbers)
    ok = (
        statuses == {"closed"}
        and len(numbers) == total
        and serials == list(range(1, total + 1))
        and sigs == 5 * total
    )
    if not ok:
        raise SystemExit(f"outcome wrong: {statuses}, {len(numbers)} numbers, {sigs} signatures")
    return f"{total} manifests closed, numbers 1..{total} without duplicates or gaps, {sigs} signatures"


def run_pgbench(args: argparse.Namespace) -> str:
    name = f"{args.db}_pgbench"
    pg("createdb", name)
    try:
        pg("pgbench", "-i", "-q", name)
        out = pg("pgbench", "-N", "-c", "8", "-j", "2", "-T", str(args.pgbench_seconds), name)
    finally:
        drop(name)
    tps = re.search(r"tps = ([0-9.]+)", out)
    lat = re.search(r"latency average = ([0-9.]+) ms", out)
    return (
        f"pgbench -N -c 8 -j 2 -T {args.pgbench_seconds} (scale 1): "
        f"{float(tps.group(1)) if tps else float('nan'):,.0f} tps, "
        f"latency average {lat.group(1) if lat else '?'} ms"
    )


def profile_one(args: argparse.Namespace, world: dict[str, Any]) -> None:
    """One lifecycle in-process (django.test.Client) under cProfile; queries per step."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    users = {who: Token.objects.get(key=key).user for who, key in world["token"].items()}
    clients = {}
    for who, user in users.items():
        c = DjangoClient(HTTP_ACCEPT_LANGUAGE="en")
        c.force_login(user)
        clients[who] = c
    queries: dict[str, list[int]] = defaultdict(list)

    def post(who: str, name: str, path: str, body: Any = None) -> Any:
        with CaptureQueriesContext(connection) as q:
            r = clients[who].post(path, body or {}, content_type="application/json")
        queries[name].append(len(q))
        assert r.status_code in (200, 201), r.content
        return r.json()

    def one(codes: list[str]) -> None:
        m = post("shipper", "create", "/api/v1/manifests/", {**world["draft"], "containers": codes})
        base = f"/api/v1/manifests/{m['id']}/"
        post("shipper", "submit", base + "submit/")
        for code in codes:
            post("driver", "scan-load", base + "scan-load/", {"code": code})
        post("shipper", "sign-handover", base + "sign-handover/")
        post("driver", "sign-pickup", base + "sign-pickup/")
        for code in codes:
            post(
                "receiver",
                "scan-arrival",
                base + "scan-arrival/",
                {"code": code, "weight_tonnes": "0.1790"},
            )
        post("receiver", "sign-receipt", base + "sign-receipt/")
        post("receiver", "treatment", base + "treatment/")

    k = args.containers
    one(world["containers"][-2 * k : -k])  # warm-up: imports, caches
    queries.clear()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    one(world["containers"][-k:])
    prof.disable()
    print(
        f"one lifecycle in-process (django.test.Client, profiled): {time.perf_counter() - t0:.2f} s"
    )
    print(
        "queries per request: " + ", ".join(f"{k} {max(v)}" for k, v in queries.items()), flush=True
    )
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(r"wufei", 30)
    stats.sort_stats("tottime").print_stats(20)


def run(args: argparse.Namespace, var_dir: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    settings.DEBUG = False
    worlds = setup(args)
    connections.close_all()
    env = {
        **os.environ,
        "WUFEI_DEBUG": "0",
        "WUFEI_SECRET_KEY": secrets.token_urlsafe(40),
        "WUFEI_CONN_MAX_AGE": "600",
        "WUFEI_VAR_DIR": var_dir,
        "DATABASE_URL": PG + args.db,
    }
    servers = start_servers(args, env)
    sampler = LockSampler(args.db)
    try:
        load_before = os.getloadavg()
        cpu_before = sum(cpu_seconds(p.pid) for p in servers)
        sampler.start()
        elapsed, transitions, timings, errors = run_clients(args, worlds)
        sampler.stop.set()
        cpu_used = sum(cpu_seconds(p.pid) for p in servers) - cpu_before
        load_after = os.getloadavg()
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            proc.wait(timeout=30)
    print(f"machine: {machine()}", flush=True)
    if errors:
        raise SystemExit("errors:\n" + "\n".join(errors[:10]))
    print(
        f"{args.clients} clients × {args.manifests - 1} timed manifests × {args.containers} "
        f"containers, {args.servers} runserver processes"
        f"{', Prefer: return=minimal' if args.minimal else ''}: {transitions:,} transitions in "
        f"{elapsed:.1f} s = {transitions / elapsed:,.1f} transitions/s "
        f"({transitions / elapsed / (6 + 2 * args.containers):,.1f} manifests/s)"
    )
    for name in STEPS:
        ms = [x * 1000 for x in timings[name]]
        print(
            f"  {name:14} n={len(ms):5}  p50 {percentile(ms, 0.5):7.1f} ms  "
            f"p99 {percentile(ms, 0.99):7.1f} ms  mean {statistics.fmean(ms):7.1f} ms"
        )
    print(check_outcome(args), flush=True)
    print(sampler.report(), flush=True)
    served = transitions + args.clients * (6 + 2 * args.containers)  # with the warm-up
    per = cpu_used / served * 1000
    print(
        f"CPU of the Django processes: {cpu_used:.1f} s for {served:,} requests = {per:.1f} ms "
        f"per transition → at most {2000 / per:,.0f} transitions/s on 2 cores for Django alone"
    )
    print(
        f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"(other processes on the machine count too)"
    )
    if not args.no_pgbench:
        print(run_pgbench(args), flush=True)
    if args.profile:
        profile_one(args, worlds[0])


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
    os.environ.setdefault("WUFEI_DEBUG", "1")
    var_dir = tempfile.mkdtemp(prefix="wufei-manifests-bench-")
    os.environ["WUFEI_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = PG + args.db
    args.manifests += 1  # the first lifecycle of each client is the warm-up
    pg("createdb", args.db)
    try:
        run(args, var_dir)
    finally:
        from django.db import connections

        connections.close_all()
        drop(args.db)


if __name__ == "__main__":
    main()
