"""The MQTT subscriber against the real broker (Mosquitto on 127.0.0.1:1883)."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import uuid

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from wufei.tracking import coords
from wufei.tracking.models import TrackPoint
from wufei.tracking.mqtt import Subscriber, points_of

HOST, PORT = "127.0.0.1", 1883
T0 = (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)


def broker_up() -> bool:
    try:
        socket.create_connection((HOST, PORT), timeout=1).close()
        return True
    except OSError:
        return False


def test_points_of_a_message():
    payload = json.dumps(
        {"crs": "gcj02", "points": [{"time": 1, "lat": 30, "lon": 120, "plate": "spoofed"}]}
    ).encode()
    [p] = points_of("wufei/track/浙D10001", payload)
    assert p == {"time": 1, "lat": 30, "lon": 120, "vehicle": "浙D10001", "crs": "gcj02"}
    for topic, body in [
        ("wufei/track/a/b", b"{}"),
        ("other/x", b"{}"),
        ("wufei/track/x", b"not json"),
        ("wufei/track/x", b"[1]"),
        ("wufei/track/x", b'{"crs": "utm", "points": []}'.replace(b"[]", b"[{}]")),
    ]:
        with pytest.raises(ValueError):
            points_of(topic, body)


@pytest.mark.skipif(not broker_up(), reason="no MQTT broker on 127.0.0.1:1883")
@pytest.mark.django_db(transaction=True)
def test_subscriber_stores_what_terminals_publish(fleet):
    prefix = f"wufei-test/{uuid.uuid4().hex[:8]}/track"
    sub = Subscriber(
        HOST,
        PORT,
        prefix=prefix,
        client_id=f"wufei-test-{uuid.uuid4().hex[:8]}",
        batch_size=50,
        flush_seconds=0.1,
    )
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.update(stats=sub.run(stop, seconds=60)))
    thread.start()
    try:
        assert sub.ready.wait(10), "subscriber did not subscribe"
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
        pub.connect(HOST, PORT)
        pub.loop_start()
        wgs = (30.0833, 120.492)
        g = coords.wgs84_to_gcj02(*wgs)
        messages = [
            # one point on the plate's topic
            (
                f"{prefix}/浙D10001",
                {"time": (T0).isoformat(), "lat": 30.08, "lon": 120.49, "speed": 42},
            ),
            # a list on the terminal id's topic (the truck's terminal T0001), one repeated
            (
                f"{prefix}/T0001",
                [
                    {
                        "time": (T0 + dt.timedelta(seconds=s)).isoformat(),
                        "lat": 30.08,
                        "lon": 120.49,
                    }
                    for s in (10, 20, 0)
                ],
            ),
            # GCJ-02 from a phone app on the van
            (
                f"{prefix}/浙D10002",
                {"crs": "gcj02", "points": [{"time": T0.isoformat(), "lat": g[0], "lon": g[1]}]},
            ),
            # refused: an impossible speed; an unreadable payload
            (
                f"{prefix}/浙D10001",
                {
                    "time": (T0 + dt.timedelta(seconds=30)).isoformat(),
                    "lat": 30.08,
                    "lon": 120.49,
                    "speed": 999,
                },
            ),
            (f"{prefix}/浙D10001", "not json"),
        ]
        for topic, body in messages:
            payload = body if isinstance(body, str) else json.dumps(body)
            pub.publish(topic, payload, qos=1).wait_for_publish(10)
        pub.loop_stop()
        pub.disconnect()
        for _ in range(200):
            if sub.stats.messages >= len(messages) and sub.stats.points >= 6:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(30)
    stats = result["stats"]
    assert (stats.messages, stats.bad_messages) == (5, 1)
    assert (stats.points, stats.accepted, stats.duplicates, stats.rejected) == (6, 4, 1, 1)
    assert TrackPoint.objects.filter(vehicle=fleet.truck, source="mqtt").count() == 3
    van = TrackPoint.objects.get(vehicle=fleet.van)
    assert coords.haversine_m(van.lat, van.lon, *wgs) < 1.0
    assert TrackPoint.objects.get(vehicle=fleet.truck, at=T0).speed_kmh == 42


class Crash(Exception):
    pass


class CrashingSubscriber(Subscriber):
    """Dies with its batch received but not stored (nor acknowledged)."""

    def flush(self, client):
        with self._lock:
            pending = len(self._buffer)
        if pending:
            raise Crash
        return 0


@pytest.mark.skipif(not broker_up(), reason="no MQTT broker on 127.0.0.1:1883")
@pytest.mark.django_db(transaction=True)
def test_unacknowledged_messages_are_redelivered_after_a_crash(fleet):
    tag = uuid.uuid4().hex[:8]
    prefix, client_id = f"wufei-test/{tag}/track", f"wufei-test-{tag}"
    first = CrashingSubscriber(HOST, PORT, prefix=prefix, client_id=client_id, session_expiry=60)
    errors = []

    def run_first():
        try:
            first.run(threading.Event(), seconds=30)
        except Crash:
            errors.append("crashed")

    thread = threading.Thread(target=run_first)
    thread.start()
    assert first.ready.wait(10)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{tag}")
    pub.connect(HOST, PORT)
    pub.loop_start()
    for s in range(3):
        body = {"time": (T0 + dt.timedelta(seconds=s)).isoformat(), "lat": 30.08, "lon": 120.49}
        pub.publish(f"{prefix}/浙D10001", json.dumps(body), qos=1).wait_for_publish(10)
    pub.loop_stop()
    pub.disconnect()
    thread.join(30)
    assert errors == ["crashed"] and not TrackPoint.objects.exists()
    # The same session again: the broker redelivers the three messages, now stored.
    second = Subscriber(
        HOST, PORT, prefix=prefix, client_id=client_id, session_expiry=0, flush_seconds=0.05
    )
    stop = threading.Event()
    thread = threading.Thread(target=second.run, args=(stop,), kwargs={"seconds": 30})
    thread.start()
    for _ in range(200):
        if second.stats.accepted >= 3:
            break
        stop.wait(0.05)
    stop.set()
    thread.join(30)
    assert TrackPoint.objects.filter(vehicle=fleet.truck, source="mqtt").count() == 3
