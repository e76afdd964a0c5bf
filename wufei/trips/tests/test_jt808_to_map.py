"""End to end over a real socket: a vehicle terminal speaking JT/T 808 reports its trip, the
points land in the track store, the analysis finds the stop in a field, and the trip map's
GeoJSON carries both the path and the finding."""

from __future__ import annotations

import asyncio
import datetime as dt
import struct
import threading

import numpy as np
import pytest
from django.test import Client

from wufei.manifests import actions
from wufei.manifests.tests.factories import trip_setup
from wufei.plans.tests.clock import frozen
from wufei.tracking.jt808.server import Gateway
from wufei.tracking.models import Terminal, TrackPoint
from wufei.tracking.tests.test_jt808_gateway import TestTerminal, authentication, registration
from wufei.trips.services import analyse
from wufei.trips.tests.synthetic import drive

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
def gateway():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    gw = Gateway("127.0.0.1", 0)
    asyncio.run_coroutine_threadsafe(gw.start(), loop).result(10)
    yield gw
    asyncio.run_coroutine_threadsafe(gw.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_terminal_frames_become_the_trip_map(gateway):
    with frozen(NOW):
        trip = trip_setup()
        m = actions.submit(
            trip.shipper_user, actions.create_draft(trip.shipper_user, **trip.draft_data())
        )
        for c in trip.containers:
            actions.scan_load(trip.driver_user, m, c.ident_code)
        actions.sign_handover(trip.shipper_user, m)
        m = actions.sign_pickup(trip.driver_user, m)
    phone = "13900139000"
    Terminal.objects.create(phone=phone, vehicle=trip.vehicle)
    t, lat, lon = drive(stop_at=0.5, stop_minutes=45, step_s=60)
    start = m.picked_up_at + dt.timedelta(minutes=1)
    times = [start + dt.timedelta(seconds=float(s - t[0])) for s in t]

    term = TestTerminal(gateway.port, phone=phone)
    try:
        term.send(0x0100, registration(plate=trip.vehicle.plate, terminal_id="X1"))
        msg_id, body = term.receive()
        assert msg_id == 0x8100 and body[2] == 0
        code = body[3:].decode()
        serial = term.send(0x0102, authentication(code))
        assert term.general_response() == (serial, 0x0102, 0)
        for chunk in np.array_split(np.arange(t.size), max(1, t.size // 25)):
            items = [term.position(float(lat[i]), float(lon[i]), 40.0, 90, times[i]) for i in chunk]
            batch = struct.pack(">HB", len(items), 0)
            batch += b"".join(struct.pack(">H", len(x)) + x for x in items)
            serial = term.send(0x0704, batch)
            assert term.general_response() == (serial, 0x0704, 0)
    finally:
        term.close()

    assert TrackPoint.objects.filter(vehicle=trip.vehicle, source="jt808").count() == t.size
    result = analyse(m, now=times[-1] + dt.timedelta(minutes=5))
    assert [f.kind for f in result.new_findings] == ["long_stop"]

    client = Client()
    client.force_login(trip.shipper_user)
    data = client.get(f"/api/v1/trips/{m.pk}/").json()
    features = data["features"]["features"]
    kinds = [
        f["properties"].get("finding") for f in features if f["properties"]["kind"] == "finding"
    ]
    assert kinds == ["long_stop"]
    path = next(f for f in features if f["properties"].get("kind") == "path")
    assert len(path["geometry"]["coordinates"]) == len(data["path"]) >= min(t.size, 300)
    page = client.get(f"/trips/{m.pk}/")
    assert page.status_code == 200
