"""MQTT track subscriber (MQTT 轨迹接入): live terminals publish to a broker, we store in batches.

Topic ``wufei/track/<plate or terminal id>`` (the prefix is configurable); the payload is JSON,
one point ``{"time": …, "lat": …, "lon": …, "speed": …, "heading": …}`` or a list of them, in
WGS-84 unless the point or the payload says ``"crs": "gcj02"`` / ``"bd09"`` (a payload object
``{"crs": …, "points": [...]}`` also works). The vehicle comes from the topic.

The subscriber speaks MQTT 5 with a persistent session (fixed client id, ``clean_start`` off,
a session expiry of a day) at QoS 1 and acknowledges a message only after its points are
committed, so the broker redelivers what a stopped subscriber had not stored; storing again is
harmless (idempotent by vehicle and time). Its Receive Maximum lets the broker send a whole
batch before waiting for acknowledgements. Messages are stored in batches (every ``flush_seconds`` or ``batch_size`` points).
Several subscribers can share the load with a shared subscription (``$share/<group>/…``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from django.db import connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from . import coords
from .ingest import ingest
from .models import Source

log = logging.getLogger("wufei.tracking.mqtt")

DEFAULT_PREFIX = "wufei/track"


@dataclass
class Stats:
    messages: int = 0
    bad_messages: int = 0
    points: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0


def points_of(topic: str, payload: bytes, prefix: str = DEFAULT_PREFIX) -> list[dict[str, Any]]:
    """The points of one message (the vehicle from the topic); ``ValueError`` when unreadable."""
    ident = topic[len(prefix) + 1 :] if topic.startswith(prefix + "/") else ""
    if not ident or "/" in ident:
        raise ValueError(f"topic {topic!r} is not {prefix}/<plate or terminal>")
    data = json.loads(payload.decode("utf-8"))
    crs = coords.CRS_WGS84
    if isinstance(data, dict) and "points" in data:
        crs = str(data.get("crs") or crs)
        data = data["points"]
    items = data if isinstance(data, list) else [data]
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("a point is a JSON object")
        point = {k: v for k, v in item.items() if k not in ("plate", "terminal", "vehicle_id")}
        point["vehicle"] = ident
        point.setdefault("crs", crs)
        if str(point["crs"]).lower() not in coords.CRS_CHOICES:
            raise ValueError(f"unknown crs {point['crs']!r}; expected one of {coords.CRS_CHOICES}")
        out.append(point)
    return out


def _to_wgs84(points: list[dict[str, Any]]) -> None:
    """Convert GCJ-02 / BD-09 points in place (per point: a payload may mix nothing else)."""
    for p in points:
        crs = str(p.pop("crs", coords.CRS_WGS84) or coords.CRS_WGS84).lower()
        if crs != coords.CRS_WGS84:
            # A bad value is left as it is: ingest reports it.
            with contextlib.suppress(KeyError, TypeError, ValueError):
                p["lat"], p["lon"] = coords.to_wgs84(float(p["lat"]), float(p["lon"]), crs)


@dataclass
class Subscriber:
    """Subscribe, buffer, store. ``run(stop)`` blocks until ``stop`` is set (or the limits)."""

    host: str = "127.0.0.1"
    port: int = 1883
    prefix: str = DEFAULT_PREFIX
    client_id: str = "wufei-track-ingest"
    share_group: str = ""
    batch_size: int = 2000
    flush_seconds: float = 0.5
    username: str = ""
    password: str = ""
    #: How long the broker keeps the session (subscription and unacknowledged messages) while
    #: no subscriber is connected.
    session_expiry: float = 86400
    stats: Stats = field(default_factory=Stats)
    ready: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer: list[dict[str, Any]] = []
        self._acks: list[tuple[int, int]] = []
        self._oldest = 0.0

    @property
    def topic(self) -> str:
        base = f"{self.prefix}/+"
        return f"$share/{self.share_group}/{base}" if self.share_group else base

    # paho callbacks (network thread) ----------------------------------------------------------
    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, rc: Any, props: Any = None
    ) -> None:
        if getattr(rc, "is_failure", False):
            log.error("mqtt: connection refused: %s", rc)
            return
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, *args: Any) -> None:
        self.ready.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.stats.messages += 1
        try:
            points = points_of(msg.topic, msg.payload, self.prefix)
        except (ValueError, UnicodeDecodeError) as exc:
            self.stats.bad_messages += 1
            log.warning("mqtt: bad message on %s: %s", msg.topic, exc)
            client.ack(msg.mid, msg.qos)
            return
        with self._lock:
            if not self._buffer:
                self._oldest = time.monotonic()
            self._buffer.extend(points)
            self._acks.append((msg.mid, msg.qos))

    # storing (the caller's thread) -------------------------------------------------------------
    def flush(self, client: mqtt.Client) -> int:
        with self._lock:
            points, acks = self._buffer, self._acks
            self._buffer, self._acks = [], []
        if not points:
            return 0
        _to_wgs84(points)
        try:
            report = ingest(points, source=Source.MQTT)
        except Exception:
            # The database is away: keep the batch (unacknowledged) and try again.
            log.exception("mqtt: storing %d points failed; retrying", len(points))
            connection.close()
            with self._lock:
                self._buffer[:0], self._acks[:0] = points, acks
            time.sleep(1.0)
            return 0
        self.stats.batches += 1
        self.stats.points += report.received
        self.stats.accepted += report.accepted
        self.stats.duplicates += report.duplicates
        self.stats.rejected += report.rejected
        for e in report.errors[:20]:
            log.warning("mqtt: point refused: %s %s %s", e.index, e.field, e.code)
        for mid, qos in acks:
            client.ack(mid, qos)
        return report.accepted

    def _due(self) -> bool:
        with self._lock:
            n = len(self._buffer)
            oldest = self._oldest
        return n >= self.batch_size or (n > 0 and time.monotonic() - oldest >= self.flush_seconds)

    def run(self, stop: threading.Event, *, seconds: float | None = None) -> Stats:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.username:
            client.username_pw_set(self.username, self.password)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)
        # Unacknowledged messages the broker may send before it waits: a whole batch's worth
        # (MQTT 5 Receive Maximum; MQTT 3.1.1 brokers stop at their own limit, 20 in Mosquitto).
        props.ReceiveMaximum = min(65535, max(self.batch_size * 2, 100))
        props.SessionExpiryInterval = int(self.session_expiry)
        # connect_async: the network thread connects, and reconnects after a broker restart
        # (the session, with its unacknowledged messages, is still there).
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.connect_async(
            self.host, self.port, keepalive=30, clean_start=False, properties=props
        )
        client.loop_start()
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                if self._due():
                    self.flush(client)
                else:
                    stop.wait(0.02)
            self.flush(client)
        finally:
            client.loop_stop()
            client.disconnect()
            connection.close()  # this thread's connection (kept open between batches)
        return self.stats
