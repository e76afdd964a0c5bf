#!/usr/bin/env python3
"""Benchmark: track points/s through the ingest service, HTTP batches, MQTT and JT/T 808.

    .venv/bin/python bench/tracking_ingest.py                         # SQLite in a temp WUFEI_VAR_DIR
    .venv/bin/python bench/tracking_ingest.py --postgres wufei_track_bench
        # PostgreSQL at 127.0.0.1:5432 (user postgres): createdb NAME, run, dropdb NAME

A carrier with ``--vehicles`` vehicles (each with a JT/T 808 terminal) drives a random walk
around 绍兴 at one point every 10 s over the last hours (on PostgreSQL the day partitions are
created first). Then, each on fresh points:

- ``service``: ``ingest()`` called directly with batches of ``--batch`` points (the floor);
- ``http``: ``POST /api/v1/tracking/points`` with JSON batches of ``--batch`` points, token
  authentication, through ``django.test.Client`` (the whole Django/DRF stack, no socket);
- ``mqtt``: one point per message published with QoS 1 to Mosquitto on 127.0.0.1:1883 by one
  publisher, stored by the ``track_mqtt`` subscriber (in a thread): time from the first publish
  to the last point committed;
- ``jt808``: ``--terminals`` terminals connect over TCP to the gateway (in a thread with its own
  event loop), register and authenticate, then each sends 0x0200 position reports one at a time,
  waiting for the 0x8001 answer (as a terminal does); then the same with 0x0704 batches of 25.

Every point sent is checked to be stored exactly once. Prints points/s per path and the
machine. See docs/performance.md, section "Track ingest".
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from containers_api_bench import PG, machine, pg  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vehicles", type=int, default=100)
    parser.add_argument("--service-points", type=int, default=100_000)
    parser.add_argument("--http-points", type=int, default=100_000)
    parser.add_argument("--mqtt-points", type=int, default=20_000)
    parser.add_argument("--jt808-points", type=int, default=10_000, help="single reports")
    parser.add_argument("--jt808-batch-points", type=int, default=50_000, help="in 0x0704")
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--postgres", metavar="DBNAME")
    parser.add_argument("--skip", default="", help="comma-separated paths to skip")
    return parser.parse_args()


class Walk:
    """Points of ``vehicles`` vehicles, one every 10 s each, taken in turn: no (vehicle, time)
    repeats across the whole run."""

    def __init__(self, vehicles: list, start: dt.datetime) -> None:
        import numpy as np

        self.vehicles = vehicles
        self.start = start
        self.i = 0
        self.rng = np.random.default_rng(42)
        n = len(vehicles)
        self.lat = 30.0 + self.rng.uniform(-0.2, 0.2, n)
        self.lon = 120.58 + self.rng.uniform(-0.3, 0.3, n)

    def take(self, count: int) -> list[tuple]:
        """(vehicle, time, lat, lon, speed, heading) tuples."""
        out = []
        n = len(self.vehicles)
        steps = self.rng.normal(0, 0.0005, (count, 2))
        for k in range(count):
            j = self.i % n
            t = self.start + dt.timedelta(seconds=10 * (self.i // n))
            self.lat[j] += steps[k, 0]
            self.lon[j] += steps[k, 1]
            out.append((self.vehicles[j], t, float(self.lat[j]), float(self.lon[j]), 42.5, 90))
            self.i += 1
        return out


def as_json(p: tuple) -> dict:
    v, t, lat, lon, speed, heading = p
    return {
        "plate": v.plate,
        "time": t.isoformat(),
        "lat": round(lat, 7),
        "lon": round(lon, 7),
        "speed": speed,
        "heading": heading,
    }


def bench_service(walk: Walk, n: int, batch: int) -> float:
    from wufei.tracking.ingest import ingest

    points = [as_json(p) for p in walk.take(n)]
    t0 = time.perf_counter()
    for s in range(0, n, batch):
        r = ingest(points[s : s + batch])
        assert r.accepted == len(points[s : s + batch]), r.as_dict()["errors"][:3]
    return time.perf_counter() - t0


def bench_http(walk: Walk, n: int, batch: int, token: str) -> float:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    bodies = [
        json.dumps([as_json(p) for p in walk.take(min(batch, n - s))]) for s in range(0, n, batch)
    ]
    warm = json.dumps([as_json(p) for p in walk.take(1)])  # the first request loads the URLs
    assert (
        client.post("/api/v1/tracking/points", warm, content_type="application/json").status_code
        == 200
    )
    t0 = time.perf_counter()
    for body in bodies:
        r = client.post("/api/v1/tracking/points", body, content_type="application/json")
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.content[:300]
    return time.perf_counter() - t0


def bench_mqtt(walk: Walk, n: int) -> float:
    import paho.mqtt.client as mqtt

    from wufei.tracking.models import TrackPoint
    from wufei.tracking.mqtt import Subscriber

    tag = uuid.uuid4().hex[:8]
    prefix = f"wufei-bench/{tag}/track"
    sub = Subscriber(
        prefix=prefix,
        client_id=f"wufei-bench-{tag}",
        batch_size=2000,
        flush_seconds=0.2,
        session_expiry=0,  # nothing left in the broker after the run
    )
    stop = threading.Event()
    thread = threading.Thread(target=sub.run, args=(stop,), daemon=True)
    thread.start()
    assert sub.ready.wait(10)
    points = walk.take(n)
    before = TrackPoint.objects.filter(source="mqtt").count()
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"wufei-bench-pub-{tag}")
    pub.max_inflight_messages_set(1000)
    pub.max_queued_messages_set(0)
    pub.connect("127.0.0.1", 1883)
    pub.loop_start()
    t0 = time.perf_counter()
    infos = []
    for p in points:
        body = as_json(p)
        plate = body.pop("plate")
        infos.append(pub.publish(f"{prefix}/{plate}", json.dumps(body), qos=1))
    for info in infos:
        info.wait_for_publish(60)
    published = time.perf_counter() - t0
    deadline = time.monotonic() + 300
    while sub.stats.accepted < n and time.monotonic() < deadline:
        time.sleep(0.01)
    elapsed = time.perf_counter() - t0
    stop.set()
    thread.join(60)
    pub.loop_stop()
    pub.disconnect()
    assert TrackPoint.objects.filter(source="mqtt").count() - before == n, sub.stats
    print(
        f"  mqtt: the publisher alone took {published:.2f} s ({n / published:,.0f} messages/s); "
        f"{sub.stats.batches} batches stored"
    )
    return elapsed


def bench_jt808(walk: Walk, terminals: list, n: int, batched: bool) -> float:
    from django.db import close_old_connections

    from wufei.tracking.jt808 import codec as c
    from wufei.tracking.jt808.server import Gateway

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    gateway = Gateway("127.0.0.1", 0)
    asyncio.run_coroutine_threadsafe(gateway.start(), loop).result(10)
    by_vehicle: dict[int, list] = {}
    for p in walk.take(n):
        by_vehicle.setdefault(p[0].pk, []).append(p)

    async def read_frame(reader, buf: bytearray) -> c.Message:
        while True:
            frames = c.split_frames(buf)
            if frames:
                assert len(frames) == 1
                return c.decode_frame(frames[0])
            buf.extend(await reader.read(4096))

    async def terminal(phone: str, points: list) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        buf = bytearray()
        serial = 0

        async def call(msg_id: int, body: bytes) -> c.Message:
            nonlocal serial
            serial += 1
            writer.write(c.encode_frame(msg_id, phone, serial, body))
            await writer.drain()
            return await read_frame(reader, buf)

        reg = c.Registration(33, 600, "BENCH", "B1", phone[-7:], 0, "")
        answer = await call(c.REGISTER, c.encode_registration(reg))
        code = answer.body[3:].decode()
        assert answer.body[2] == 0, answer
        answer = await call(c.AUTHENTICATE, c.encode_authentication(c.Authentication(code)))
        assert answer.body[-1] == 0
        positions = [
            c.Position(0, 3, lat, lon, 10, speed, heading, t)
            for (_v, t, lat, lon, speed, heading) in points
        ]
        if batched:
            for s in range(0, len(positions), 25):
                answer = await call(c.BATCH_POSITION, c.encode_batch(positions[s : s + 25]))
                assert answer.body[-1] == 0
        else:
            for pos in positions:
                answer = await call(c.POSITION, c.encode_position(pos))
                assert answer.body[-1] == 0
        writer.close()

    async def all_terminals() -> None:
        await asyncio.gather(
            *(terminal(t.phone, by_vehicle.get(t.vehicle_id, [])) for t in terminals)
        )

    t0 = time.perf_counter()
    asyncio.run(all_terminals())
    elapsed = time.perf_counter() - t0
    asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    close_old_connections()
    return elapsed


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from wufei.registry.tests.factories import OrganizationFactory, VehicleFactory, member_of
    from wufei.tracking import partitions
    from wufei.tracking.models import Terminal, TrackPoint

    call_command("migrate", verbosity=0)
    created = partitions.ensure_partitions(days_ahead=1)
    carrier = OrganizationFactory(is_producer=False, is_carrier=True)
    vehicles = [
        VehicleFactory(organization=carrier, plate=f"浙D{i:05d}") for i in range(args.vehicles)
    ]
    terminals = [
        Terminal.objects.create(phone=f"1380000{i:04d}", vehicle=v)
        for i, v in enumerate(vehicles[: args.terminals])
    ]
    user = member_of(carrier, role="member")
    token = Token.objects.create(user=user).key
    # Every point within the last day; the JT/T 808 terminals' points come after the others'.
    walk_span = (args.service_points + args.http_points + args.mqtt_points) * 10 / args.vehicles
    jt_span = (args.jt808_points + args.jt808_batch_points) * 10 / max(1, len(terminals))
    now = timezone.now().replace(microsecond=0)
    jt_start = now - dt.timedelta(seconds=jt_span + 600)
    start = jt_start - dt.timedelta(seconds=walk_span + 60)
    walk = Walk(vehicles, start)
    jt_walk = Walk(vehicles[: args.terminals], jt_start)
    print(f"machine: {machine(connection)}")
    print(
        f"partitioned: {partitions.is_partitioned()} ({len(created)} day partitions created); "
        f"{args.vehicles} vehicles, points from {start:%Y-%m-%d %H:%M}Z"
    )
    skip = set(filter(None, args.skip.split(",")))
    results = []

    def report(name: str, n: int, elapsed: float, note: str) -> None:
        results.append((name, n, elapsed))
        print(
            f"{name:14} {n:>8,} points in {elapsed:7.2f} s = {n / elapsed:>10,.0f} points/s  {note}",
            flush=True,
        )

    if "service" not in skip:
        report(
            "service",
            args.service_points,
            bench_service(walk, args.service_points, args.batch),
            f"ingest() in batches of {args.batch}",
        )
    if "http" not in skip:
        report(
            "http",
            args.http_points,
            bench_http(walk, args.http_points, args.batch, token),
            f"JSON batches of {args.batch}, token auth",
        )
    if "mqtt" not in skip:
        report(
            "mqtt",
            args.mqtt_points,
            bench_mqtt(walk, args.mqtt_points),
            "one point per message, QoS 1",
        )
    if "jt808" not in skip:
        report(
            "jt808 0x0200",
            args.jt808_points,
            bench_jt808(jt_walk, terminals, args.jt808_points, batched=False),
            f"{len(terminals)} terminals, one report at a time",
        )
        report(
            "jt808 0x0704",
            args.jt808_batch_points,
            bench_jt808(jt_walk, terminals, args.jt808_batch_points, batched=True),
            f"{len(terminals)} terminals, batches of 25",
        )
    total = sum(n for _, n, _ in results) + (1 if "http" not in skip else 0)
    stored = TrackPoint.objects.count()
    assert stored == total, (stored, total)
    print(f"stored: {stored:,} points, each exactly once")


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
        os.environ["WUFEI_VAR_DIR"] = tempfile.mkdtemp(prefix="wufei-track-bench-")
        run(args)


if __name__ == "__main__":
    main()
