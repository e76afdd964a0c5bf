"""JT/T 808-2019 frames and messages (道路运输车辆卫星定位系统 终端通讯协议及数据格式): pure functions.

A frame on the wire is ``0x7e | escaped(header | body | checksum) | 0x7e``. Escaping: ``0x7e`` →
``0x7d 0x02`` and ``0x7d`` → ``0x7d 0x01``. The checksum is the XOR of every header and body
byte. The 2019 header is: message id WORD, properties WORD (bits 0–9 body length, 10–12
encryption, 13 sub-packaged, 14 version flag = 1), protocol version BYTE, terminal phone number
BCD[10], serial number WORD, then (when sub-packaged) the package count and index WORDs. The
2013 header (version flag 0: no protocol version byte, phone BCD[6]) is read too, and answers go
back in the version the terminal spoke. All integers are big-endian. Strings are GBK.

Nothing here does I/O: ``server.py`` frames the stream and calls these.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

FLAG = 0x7E
ESC = 0x7D

# Message ids (消息ID)
TERMINAL_GENERAL_RESPONSE = 0x0001
HEARTBEAT = 0x0002
REGISTER = 0x0100
UNREGISTER = 0x0003
AUTHENTICATE = 0x0102
POSITION = 0x0200
BATCH_POSITION = 0x0704
PLATFORM_GENERAL_RESPONSE = 0x8001
REGISTER_RESPONSE = 0x8100

# Platform general response results (0x8001 结果)
OK, FAILURE, BAD_MESSAGE, UNSUPPORTED = 0, 1, 2, 3
# Registration results (0x8100 结果)
REG_OK, REG_VEHICLE_TAKEN, REG_NO_VEHICLE, REG_TERMINAL_TAKEN, REG_NO_TERMINAL = 0, 1, 2, 3, 4

VERSION_2019 = 1
BEIJING = dt.timezone(dt.timedelta(hours=8))


class FrameError(ValueError):
    """A frame that cannot be read. ``header`` is set when the header could still be parsed
    (so that the platform can answer 0x8001 with result 2 for that message)."""

    def __init__(self, kind: str, detail: str, header: Header | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.header = header


@dataclass(frozen=True)
class Header:
    msg_id: int
    phone: str  # the BCD digits with leading zeros removed
    serial: int
    version: int | None = VERSION_2019  # protocol version; None for a 2013 header
    encryption: int = 0
    body_length: int = 0
    packages: tuple[int, int] | None = None  # (total, index) when sub-packaged


@dataclass(frozen=True)
class Message:
    header: Header
    body: bytes


# --- escaping and checksum ------------------------------------------------------------------


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    """Undo the escaping; a 0x7d not followed by 0x01 or 0x02 raises ``FrameError``."""
    if ESC not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == ESC:
            if i + 1 >= n or data[i + 1] not in (0x01, 0x02):
                raise FrameError("escape", f"bad escape at byte {i}")
            out.append(ESC if data[i + 1] == 0x01 else FLAG)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def checksum(data: bytes) -> int:
    c = 0
    for b in data:
        c ^= b
    return c


# --- BCD ------------------------------------------------------------------------------------


def bcd_encode(digits: str, size: int) -> bytes:
    digits = digits.rjust(size * 2, "0")
    if len(digits) != size * 2 or not digits.isdigit():
        raise ValueError(f"{digits!r} does not fit BCD[{size}]")
    return bytes.fromhex(digits)


def bcd_decode(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise ValueError("not BCD")
    return text


def phone_of(data: bytes) -> str:
    return bcd_decode(data).lstrip("0") or "0"


def bcd_time(data: bytes) -> dt.datetime:
    """BCD[6] YYMMDDhhmmss in Beijing time (UTC+8) → aware UTC datetime."""
    s = bcd_decode(data)
    local = dt.datetime(
        2000 + int(s[0:2]), int(s[2:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]), int(s[10:12])
    )
    return local.replace(tzinfo=BEIJING).astimezone(dt.UTC)


def time_bcd(when: dt.datetime) -> bytes:
    local = when.astimezone(BEIJING)
    return bytes.fromhex(local.strftime("%y%m%d%H%M%S"))


# --- frames ---------------------------------------------------------------------------------


def parse_header(raw: bytes) -> tuple[Header, int]:
    """The header at the start of an unescaped frame and its length in bytes."""
    if len(raw) < 4:
        raise FrameError("truncated", "shorter than a header")
    msg_id, props = struct.unpack_from(">HH", raw, 0)
    length = props & 0x03FF
    encryption = (props >> 10) & 0x07
    sub = bool(props & 0x2000)
    if props & 0x4000:
        need = 2 + 2 + 1 + 10 + 2
        if len(raw) < need:
            raise FrameError("truncated", "shorter than a 2019 header")
        version: int | None = raw[4]
        phone_raw, pos = raw[5:15], 15
    else:
        need = 2 + 2 + 6 + 2
        if len(raw) < need:
            raise FrameError("truncated", "shorter than a 2013 header")
        version, phone_raw, pos = None, raw[4:10], 10
    try:
        phone = phone_of(phone_raw)
    except ValueError:
        raise FrameError("header", "terminal phone number is not BCD") from None
    (serial,) = struct.unpack_from(">H", raw, pos)
    pos += 2
    packages = None
    if sub:
        if len(raw) < pos + 4:
            raise FrameError("truncated", "sub-package fields missing")
        packages = struct.unpack_from(">HH", raw, pos)
        pos += 4
    header = Header(msg_id, phone, serial, version, encryption, length, packages)
    return header, pos


def decode_frame(content: bytes) -> Message:
    """One frame's content (between the 0x7e flags) → ``Message``; ``FrameError`` otherwise."""
    if not content:
        raise FrameError("truncated", "empty frame")
    try:
        raw = unescape(content)
        escape_error = None
    except FrameError as exc:
        escape_error = exc
        raw = content.replace(b"\x7d\x01", b"\x7d").replace(b"\x7d\x02", b"\x7e")
    try:
        header, pos = parse_header(raw[:-1] if len(raw) > 1 else raw)
    except FrameError:
        if escape_error:
            raise escape_error from None
        raise
    if escape_error:
        raise FrameError("escape", escape_error.detail, header)
    if len(raw) < pos + 1:
        raise FrameError("truncated", "no checksum", header)
    body, check = raw[pos:-1], raw[-1]
    if checksum(raw[:-1]) != check:
        raise FrameError("checksum", f"checksum {check:#04x} does not match", header)
    if len(body) != header.body_length:
        raise FrameError(
            "truncated", f"body has {len(body)} bytes, header says {header.body_length}", header
        )
    return Message(header, body)


def encode_frame(
    msg_id: int, phone: str, serial: int, body: bytes = b"", *, version: int | None = VERSION_2019
) -> bytes:
    """A whole frame, flags included."""
    if len(body) > 0x03FF:
        raise ValueError("body longer than 1023 bytes: sub-packaging is not implemented")
    props = len(body)
    if version is not None:
        props |= 0x4000
        head = struct.pack(">HHB", msg_id, props, version) + bcd_encode(phone, 10)
    else:
        head = struct.pack(">HH", msg_id, props) + bcd_encode(phone, 6)
    raw = head + struct.pack(">H", serial & 0xFFFF) + body
    return bytes([FLAG]) + escape(raw + bytes([checksum(raw)])) + bytes([FLAG])


# --- platform messages ----------------------------------------------------------------------


def general_response(
    header: Header, serial: int, result: int, *, msg_id: int | None = None
) -> bytes:
    """0x8001 answering ``header`` (its serial and id) with ``result``."""
    body = struct.pack(">HHB", header.serial, header.msg_id if msg_id is None else msg_id, result)
    return encode_frame(
        PLATFORM_GENERAL_RESPONSE, header.phone, serial, body, version=header.version
    )


def register_response(header: Header, serial: int, result: int, auth_code: str = "") -> bytes:
    body = struct.pack(">HB", header.serial, result)
    if result == REG_OK:
        body += auth_code.encode("gbk")
    return encode_frame(REGISTER_RESPONSE, header.phone, serial, body, version=header.version)


# --- terminal messages ----------------------------------------------------------------------


def _text(data: bytes) -> str:
    return data.rstrip(b"\x00").decode("gbk", errors="replace").strip()


@dataclass(frozen=True)
class Registration:
    province: int
    city: int
    manufacturer: str
    model: str
    terminal_id: str
    plate_color: int
    plate: str


def parse_registration(body: bytes, version: int | None = VERSION_2019) -> Registration:
    sizes = (11, 30, 30) if version is not None else (5, 20, 7)
    need = 4 + sum(sizes) + 1
    if len(body) < need:
        raise FrameError("body", "registration body too short")
    province, city = struct.unpack_from(">HH", body, 0)
    pos = 4
    texts = []
    for size in sizes:
        texts.append(_text(body[pos : pos + size]))
        pos += size
    manufacturer, model, terminal_id = texts
    return Registration(
        province, city, manufacturer, model, terminal_id, body[pos], _text(body[pos + 1 :])
    )


def encode_registration(reg: Registration, version: int | None = VERSION_2019) -> bytes:
    sizes = (11, 30, 30) if version is not None else (5, 20, 7)
    out = struct.pack(">HH", reg.province, reg.city)
    for value, size in zip((reg.manufacturer, reg.model, reg.terminal_id), sizes, strict=True):
        out += value.encode("gbk")[:size].ljust(size, b"\x00")
    return out + bytes([reg.plate_color]) + reg.plate.encode("gbk")


@dataclass(frozen=True)
class Authentication:
    auth_code: str
    imei: str = ""
    software_version: str = ""


def parse_authentication(body: bytes, version: int | None = VERSION_2019) -> Authentication:
    if version is None:
        return Authentication(_text(body))
    if not body or len(body) < 1 + body[0]:
        raise FrameError("body", "authentication body too short")
    n = body[0]
    return Authentication(
        _text(body[1 : 1 + n]), _text(body[1 + n : 16 + n]), _text(body[16 + n : 36 + n])
    )


def encode_authentication(auth: Authentication) -> bytes:
    code = auth.auth_code.encode("gbk")
    return (
        bytes([len(code)])
        + code
        + auth.imei.encode()[:15].ljust(15, b"\x00")
        + auth.software_version.encode()[:20].ljust(20, b"\x00")
    )


@dataclass(frozen=True)
class Position:
    """A position report (位置基本信息): WGS-84 degrees, km/h, UTC."""

    alarm: int
    status: int
    lat: float
    lon: float
    altitude: int
    speed_kmh: float
    heading: int
    at: dt.datetime

    @property
    def located(self) -> bool:
        return bool(self.status & 0x02)


POSITION_SIZE = 28


def parse_position(body: bytes) -> Position:
    if len(body) < POSITION_SIZE:
        raise FrameError("body", "position body too short")
    alarm, status, lat, lon, altitude, speed, heading = struct.unpack_from(">IIIIHHH", body, 0)
    try:
        at = bcd_time(body[22:28])
    except ValueError:
        raise FrameError("body", "time is not a BCD date") from None
    la = lat / 1e6 * (-1 if status & 0x04 else 1)
    lo = lon / 1e6 * (-1 if status & 0x08 else 1)
    # altitude is a signed WORD in practice (below sea level); heading 0–359.
    alt = altitude - 0x10000 if altitude >= 0x8000 else altitude
    return Position(alarm, status, la, lo, alt, speed / 10.0, heading, at)


def encode_position(p: Position) -> bytes:
    status = p.status | (0x04 if p.lat < 0 else 0) | (0x08 if p.lon < 0 else 0)
    return struct.pack(
        ">IIIIHHH",
        p.alarm,
        status,
        round(abs(p.lat) * 1e6),
        round(abs(p.lon) * 1e6),
        p.altitude & 0xFFFF,
        round(p.speed_kmh * 10),
        p.heading,
    ) + time_bcd(p.at)


def parse_batch(body: bytes) -> tuple[int, list[Position]]:
    """0x0704: (type 0 normal / 1 blind-area re-upload, positions)."""
    if len(body) < 3:
        raise FrameError("body", "batch body too short")
    count, kind = struct.unpack_from(">HB", body, 0)
    pos, out = 3, []
    for _ in range(count):
        if len(body) < pos + 2:
            raise FrameError("body", "batch item missing")
        (n,) = struct.unpack_from(">H", body, pos)
        pos += 2
        if len(body) < pos + n:
            raise FrameError("body", "batch item truncated")
        out.append(parse_position(body[pos : pos + n]))
        pos += n
    return kind, out


def encode_batch(positions: list[Position], kind: int = 0) -> bytes:
    out = struct.pack(">HB", len(positions), kind)
    for p in positions:
        item = encode_position(p)
        out += struct.pack(">H", len(item)) + item
    return out


def split_frames(buffer: bytearray) -> list[bytes]:
    """Cut complete frames (their content, without flags) off the front of ``buffer``.

    Bytes before the first flag are noise and dropped; an incomplete frame stays in the buffer.
    Two flags in a row (the end of one frame and the start of the next) yield no empty frame.
    """
    frames: list[bytes] = []
    while True:
        start = buffer.find(FLAG)
        if start < 0:
            buffer.clear()
            return frames
        if start:
            del buffer[:start]
        end = buffer.find(FLAG, 1)
        if end < 0:
            return frames
        content = bytes(buffer[1:end])
        if content:
            frames.append(content)
            del buffer[: end + 1]
        else:
            del buffer[:1]  # "7e 7e": keep the second flag as the next frame's start
