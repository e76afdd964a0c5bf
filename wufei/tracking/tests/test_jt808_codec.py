"""JT/T 808 codec: escaping, checksum, headers, bodies — pure functions, no sockets."""

import datetime as dt
import functools
import operator
import random

import pytest

from wufei.tracking.jt808 import codec as c

PHONE = "13800138000"
PHONE_BCD10 = bytes.fromhex("00000000013800138000")


def xor(data: bytes) -> int:
    return functools.reduce(operator.xor, data, 0)


def test_escape_rules_and_round_trip():
    assert c.escape(b"\x30\x7e\x08\x7d\x55") == b"\x30\x7d\x02\x08\x7d\x01\x55"
    assert c.unescape(b"\x30\x7d\x02\x08\x7d\x01\x55") == b"\x30\x7e\x08\x7d\x55"
    rng = random.Random(808)
    for _ in range(500):
        data = bytes(rng.choice([0x7E, 0x7D, 0x01, 0x02, rng.randrange(256)]) for _ in range(40))
        escaped = c.escape(data)
        assert 0x7E not in escaped
        assert c.unescape(escaped) == data


@pytest.mark.parametrize("bad", [b"\x01\x7d", b"\x01\x7d\x03\x02", b"\x7d\x7d"])
def test_bad_escape_is_refused(bad):
    with pytest.raises(c.FrameError) as e:
        c.unescape(bad)
    assert e.value.kind == "escape"


def test_heartbeat_frame_bytes_2019():
    # id 0x0002, properties: version flag (bit 14), body length 0; version 1; BCD[10]; serial 7.
    raw = bytes.fromhex("0002 4000 01") + PHONE_BCD10 + bytes.fromhex("0007")
    expected = b"\x7e" + c.escape(raw + bytes([xor(raw)])) + b"\x7e"
    assert c.encode_frame(c.HEARTBEAT, PHONE, 7) == expected
    msg = c.decode_frame(expected[1:-1])
    assert msg.header == c.Header(c.HEARTBEAT, PHONE, 7, 1, 0, 0, None)
    assert msg.body == b""


def test_2013_header_is_read_and_answered_in_kind():
    raw = bytes.fromhex("0002 0000 013800138000 0009")
    msg = c.decode_frame(raw + bytes([xor(raw)]))
    assert msg.header.version is None and msg.header.phone == PHONE and msg.header.serial == 9
    answer = c.general_response(msg.header, 1, c.OK)
    reply = c.decode_frame(answer[1:-1])
    assert reply.header.version is None and reply.body == bytes.fromhex("0009 0002 00")


def test_checksum_and_truncation_errors_keep_the_header():
    frame = c.encode_frame(c.POSITION, PHONE, 3, b"\x00" * 28)[1:-1]
    raw = c.unescape(frame)
    broken = raw[:-1] + bytes([raw[-1] ^ 0xFF])
    with pytest.raises(c.FrameError) as e:
        c.decode_frame(c.escape(broken))
    assert e.value.kind == "checksum" and e.value.header.serial == 3
    short = raw[:-6]  # body cut off, checksum recomputed: length no longer matches
    with pytest.raises(c.FrameError) as e:
        c.decode_frame(c.escape(short + bytes([xor(short)])))
    assert e.value.kind == "truncated" and e.value.header.msg_id == c.POSITION
    with pytest.raises(c.FrameError) as e:
        c.decode_frame(b"\x02\x00")
    assert e.value.kind == "truncated" and e.value.header is None


def test_position_body_by_hand():
    # alarm 1 (emergency), status: ACC on + located (0b11); 30.083300 N, 120.492000 E; 12 m;
    # 63.5 km/h; heading 90; 2026-03-02 09:30:05 Beijing time.
    body = bytes.fromhex("00000001 00000003") + (30083300).to_bytes(4, "big")
    body += (120492000).to_bytes(4, "big") + bytes.fromhex("000c 027b 005a 260302093005")
    p = c.parse_position(body)
    assert (p.alarm, p.status, p.lat, p.lon) == (1, 3, 30.0833, 120.492)
    assert (p.altitude, p.speed_kmh, p.heading) == (12, 63.5, 90)
    assert p.at == dt.datetime(2026, 3, 2, 1, 30, 5, tzinfo=dt.UTC)
    assert p.located
    assert c.encode_position(p) == body


def test_south_and_west_flags():
    p = c.Position(0, 2, -33.5, -70.25, -20, 0.0, 0, dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    q = c.parse_position(c.encode_position(p))
    assert (q.lat, q.lon, q.altitude) == (-33.5, -70.25, -20)


def test_bad_bcd_time():
    body = bytearray(
        c.encode_position(
            c.Position(0, 2, 30.0, 120.0, 0, 0.0, 0, dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        )
    )
    body[22] = 0xAB
    with pytest.raises(c.FrameError):
        c.parse_position(bytes(body))


def test_batch_round_trip():
    at = dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
    ps = [
        c.Position(0, 2, 30.0 + i / 1000, 120.5, 5, 40.0, 180, at + dt.timedelta(seconds=i))
        for i in range(3)
    ]
    kind, back = c.parse_batch(c.encode_batch(ps, kind=1))
    assert kind == 1 and back == ps
    with pytest.raises(c.FrameError):
        c.parse_batch(c.encode_batch(ps)[:-5])


def test_registration_and_auth_bodies():
    reg = c.Registration(33, 600, "WUFEI", "JT-2019", "T0001", 2, "浙D10001")
    body = c.encode_registration(reg)
    assert len(body) == 4 + 11 + 30 + 30 + 1 + len("浙D10001".encode("gbk"))
    assert c.parse_registration(body) == reg
    with pytest.raises(c.FrameError):
        c.parse_registration(body[:20])
    auth = c.Authentication("abc123", "860000000000001", "1.0.0")
    assert c.parse_authentication(c.encode_authentication(auth)) == auth
    answer = c.decode_frame(c.register_response(c.Header(c.REGISTER, PHONE, 5), 1, 0, "K1")[1:-1])
    assert answer.header.msg_id == c.REGISTER_RESPONSE and answer.body == b"\x00\x05\x00K1"


def test_general_response_body():
    h = c.Header(c.POSITION, PHONE, 0x1234)
    msg = c.decode_frame(c.general_response(h, 9, c.BAD_MESSAGE)[1:-1])
    assert msg.header.msg_id == c.PLATFORM_GENERAL_RESPONSE and msg.header.serial == 9
    assert msg.body == bytes.fromhex("1234 0200 02")


def test_split_frames_from_a_stream():
    a = c.encode_frame(c.HEARTBEAT, PHONE, 1)
    b = c.encode_frame(c.HEARTBEAT, PHONE, 2)
    buf = bytearray(b"noise" + a + b + b[:5])
    frames = c.split_frames(buf)
    assert frames == [a[1:-1], b[1:-1]]
    assert bytes(buf) == b[:5]
    buf.extend(b[5:])
    assert c.split_frames(buf) == [b[1:-1]] and not buf
