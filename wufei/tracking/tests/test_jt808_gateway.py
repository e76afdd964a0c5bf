"""The JT/T 808 gateway over real TCP sockets, with a test terminal written here."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import struct
import threading

import pytest
from django.utils import timezone

from wufei.tracking.jt808.server import Gateway
from wufei.tracking.models import Terminal, TrackPoint

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13800138000"
T0 = (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)
BEIJING = dt.timezone(dt.timedelta(hours=8))


class TestTerminal:
    """A vehicle terminal speaking JT/T 808-2019, built from the standard's tables."""

    __test__ = False

    def __init__(self, port: int, phone: str = PHONE) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.phone = phone
        self.serial = 0
        self.buffer = b""

    def frame(self, msg_id: int, body: bytes, serial: int | None = None) -> bytes:
        if serial is None:
            self.serial += 1
            serial = self.serial
        head = struct.pack(">HHB", msg_id, 0x4000 | len(body), 1)
        head += bytes.fromhex(self.phone.rjust(20, "0")) + struct.pack(">H", serial)
        raw = head + body
        check = 0
        for b in raw:
            check ^= b
        raw += bytes([check])
        return b"\x7e" + raw.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e"

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, msg_id: int, body: bytes = b"") -> int:
        self.send_raw(self.frame(msg_id, body))
        return self.serial

    def receive(self) -> tuple[int, bytes]:
        """(message id, body) of the platform's next message."""
        while True:
            start = self.buffer.find(b"\x7e")
            end = self.buffer.find(b"\x7e", start + 1) if start >= 0 else -1
            if end > start + 1:
                content = self.buffer[start + 1 : end]
                self.buffer = self.buffer[end + 1 :]
                raw = content.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")
                msg_id, props = struct.unpack(">HH", raw[:4])
                assert props & 0x4000 and raw[4] == 1  # answered in the 2019 version
                assert raw[5:15] == bytes.fromhex(self.phone.rjust(20, "0"))
                body = raw[17:-1]
                assert len(body) == props & 0x3FF
                return msg_id, body
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed by the gateway"
            self.buffer += chunk

    def general_response(self) -> tuple[int, int, int]:
        msg_id, body = self.receive()
        assert msg_id == 0x8001
        return struct.unpack(">HHB", body)

    @staticmethod
    def position(lat, lon, speed_kmh, heading, when, alarm=0, status=0x3, altitude=15) -> bytes:
        local = when.astimezone(BEIJING).strftime("%y%m%d%H%M%S")
        return struct.pack(
            ">IIIIHHH",
            alarm,
            status,
            round(lat * 1e6),
            round(lon * 1e6),
            altitude,
            round(speed_kmh * 10),
            heading,
        ) + bytes.fromhex(local)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def gateway(fleet):
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


def registration(plate="浙D10001", terminal_id="T0001") -> bytes:
    body = struct.pack(">HH", 33, 600) + b"WUFEI".ljust(11, b"\x00")
    body += b"JT808-2019".ljust(30, b"\x00") + terminal_id.encode().ljust(30, b"\x00")
    return body + bytes([2]) + plate.encode("gbk")


def authentication(code: str) -> bytes:
    return bytes([len(code)]) + code.encode() + b"860000000000001" + b"1.0.0".ljust(20, b"\x00")


def test_terminal_session_end_to_end(gateway, fleet):
    Terminal.objects.create(phone=PHONE, vehicle=fleet.truck)
    t = TestTerminal(gateway.port)
    try:
        serial = t.send(0x0100, registration())
        msg_id, body = t.receive()
        assert msg_id == 0x8100 and struct.unpack(">HB", body[:3]) == (serial, 0)
        code = body[3:].decode()
        assert code == Terminal.objects.get(phone=PHONE).auth_code and len(code) == 16

        # a position before authentication fails
        serial = t.send(0x0200, t.position(30.0833, 120.492, 50, 90, T0))
        assert t.general_response() == (serial, 0x0200, 1)
        serial = t.send(0x0102, authentication("wrong-code"))
        assert t.general_response() == (serial, 0x0102, 1)
        serial = t.send(0x0102, authentication(code))
        assert t.general_response() == (serial, 0x0102, 0)
        serial = t.send(0x0002)
        assert t.general_response() == (serial, 0x0002, 0)

        serial = t.send(0x0200, t.position(30.0833, 120.492, 63.5, 90, T0, alarm=1))
        assert t.general_response() == (serial, 0x0200, 0)
        items = [
            t.position(30.09 + i / 1000, 120.5, 40.0, 180, T0 + dt.timedelta(seconds=30 * (i + 1)))
            for i in range(3)
        ]
        batch = struct.pack(">HB", 3, 1) + b"".join(struct.pack(">H", len(x)) + x for x in items)
        serial = t.send(0x0704, batch)
        assert t.general_response() == (serial, 0x0704, 0)

        # a corrupt frame (bad checksum) is answered "bad message" with its serial …
        good = t.frame(
            0x0200, t.position(30.1, 120.5, 10, 0, T0 + dt.timedelta(minutes=5)), serial=77
        )
        t.send_raw(good[:-2] + bytes([good[-2] ^ 0x55]) + b"\x7e")
        assert t.general_response() == (77, 0x0200, 2)
        # … as is an impossible value (speed 300 km/h) and a message the gateway does not know
        serial = t.send(0x0200, t.position(30.1, 120.5, 300, 0, T0 + dt.timedelta(minutes=6)))
        assert t.general_response() == (serial, 0x0200, 2)
        serial = t.send(0x0900, b"\x01\x02")
        assert t.general_response() == (serial, 0x0900, 3)
        # a bad escape and noise: logged, nothing to answer, the connection goes on
        t.send_raw(b"\x7e\x00\x02\x7d\x7e" + b"garbage")
        serial = t.send(0x0002)
        assert t.general_response() == (serial, 0x0002, 0)
    finally:
        t.close()

    points = list(TrackPoint.objects.filter(vehicle=fleet.truck).order_by("at"))
    assert len(points) == 4 and {p.source for p in points} == {"jt808"}
    first = points[0]
    assert (first.at, first.lat, first.lon, first.speed_kmh, first.heading) == (
        T0,
        30.0833,
        120.492,
        63.5,
        90,
    )
    assert (first.alarm, first.status, first.altitude) == (1, 3, 15)
    assert [p.at for p in points[1:]] == [T0 + dt.timedelta(seconds=30 * (i + 1)) for i in range(3)]
    assert points[3].lat == pytest.approx(30.092)
    assert Terminal.objects.get(phone=PHONE).last_seen is not None
    assert gateway.stats["bad_frames"] >= 2


def test_unknown_terminal_gets_a_registration_failure(gateway, fleet):
    t = TestTerminal(gateway.port, phone="13900000000")
    try:
        serial = t.send(0x0100, registration(terminal_id="NOPE"))
        msg_id, body = t.receive()
        assert msg_id == 0x8100 and body == struct.pack(">HB", serial, 4)
    finally:
        t.close()
    assert not Terminal.objects.exists()


def test_registration_through_the_vehicle_terminal_id_and_many_terminals(gateway, fleet):
    """A vehicle whose GNSS terminal id is recorded registers without a Terminal row; two
    terminals report at once and a third drops its connection mid-frame."""
    fleet.van.terminal_id = "13800000002"
    fleet.van.save()
    Terminal.objects.create(phone="13800000001", vehicle=fleet.truck)
    broken = TestTerminal(gateway.port, phone="13800000009")
    broken.send_raw(b"\x7e\x01\x00\x40")  # a frame cut off by a lost connection
    broken.close()
    terminals = [TestTerminal(gateway.port, phone=p) for p in ("13800000001", "13800000002")]
    try:
        for t in terminals:
            t.send(0x0100, registration(plate="", terminal_id=t.phone))
            msg_id, body = t.receive()
            assert msg_id == 0x8100 and body[2] == 0
            t.send(0x0102, authentication(body[3:].decode()))
            assert t.general_response()[2] == 0
        for i in range(5):
            for t in terminals:
                t.send(
                    0x0200, t.position(30.0 + i / 100, 120.0, 30, 0, T0 + dt.timedelta(seconds=i))
                )
        for t in terminals:
            assert [t.general_response()[2] for _ in range(5)] == [0] * 5
    finally:
        for t in terminals:
            t.close()
    assert TrackPoint.objects.filter(vehicle=fleet.truck).count() == 5
    assert TrackPoint.objects.filter(vehicle=fleet.van).count() == 5
    assert Terminal.objects.get(phone="13800000002").vehicle == fleet.van


def test_a_database_failure_answers_failure_and_the_connection_goes_on(gateway, fleet, monkeypatch):
    from django.db import OperationalError

    from wufei.tracking.jt808 import server

    Terminal.objects.create(phone=PHONE, vehicle=fleet.truck)
    t = TestTerminal(gateway.port)
    real = server.store_points
    try:
        t.send(0x0100, registration())
        code = t.receive()[1][3:].decode()
        t.send(0x0102, authentication(code))
        assert t.general_response()[2] == 0

        def down(points):
            raise OperationalError("database is away")

        monkeypatch.setattr(server, "store_points", down)
        serial = t.send(0x0200, t.position(30.0833, 120.492, 50, 90, T0))
        assert t.general_response() == (serial, 0x0200, 1)
        monkeypatch.setattr(server, "store_points", real)
        serial = t.send(0x0200, t.position(30.0833, 120.492, 50, 90, T0))  # the terminal retries
        assert t.general_response() == (serial, 0x0200, 0)
    finally:
        t.close()
    assert TrackPoint.objects.count() == 1
