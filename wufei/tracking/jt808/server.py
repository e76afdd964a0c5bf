"""The JT/T 808 gateway (JT/T 808 接入网关): an asyncio TCP server for vehicle terminals.

``Gateway(host, port)`` serves terminals: registration (0x0100 → 0x8100 with an auth code),
authentication (0x0102), heartbeat (0x0002), position reports (0x0200) and batch uploads
(0x0704), each answered with the platform general response (0x8001: 0 ok, 1 failure, 2 bad
message, 3 unsupported). Positions go through ``ingest.ingest`` — in a worker thread, since the
ORM is synchronous — grouped across connections into one insert per round (group commit), and
a terminal's answer is sent once its points are stored. A bad frame (checksum, escape,
truncation) is logged and answered with result 2 when its header could be read; it never ends
the server, nor the connection. ``manage.py jt808_gateway --port …`` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections
from django.utils import timezone

from ..ingest import IngestReport, ingest
from ..models import Source, Terminal
from . import codec as c

log = logging.getLogger("wufei.tracking.jt808")

MAX_BUFFER = 64 * 1024  # a connection sending this much without a frame end is dropped
MAX_ROUND = 2000  # points per insert round


@dataclass
class Session:
    """What the gateway knows about one connection."""

    peer: str
    serial: int = 0
    phone: str | None = None
    terminal_id: int | None = None
    vehicle_id: int | None = None

    def next_serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial


# --- database work (runs in the executor thread) --------------------------------------------


def _db(fn: Any) -> Any:
    """Run in the gateway's one database thread, which keeps its connection open between calls
    (``close_old_connections`` would close it after every call when ``CONN_MAX_AGE`` is 0); a
    failed call drops the connection, so that the next one starts afresh."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            connection.close()
            raise

    return wrapper


@_db
def register_terminal(phone: str, reg: c.Registration) -> tuple[int, str]:
    """(result, auth code) for a registration: the terminal must be known to the platform —
    recorded by its carrier, or its phone / terminal id given as a vehicle's terminal id."""
    from wufei.registry.models import Vehicle

    terminal = Terminal.objects.select_related("vehicle").filter(phone=phone).first()
    if terminal is None:
        ids = {phone, reg.terminal_id.strip()} - {""}
        vehicle = Vehicle.objects.filter(terminal_id__in=ids, is_active=True).first()
        if vehicle is None:
            return c.REG_NO_TERMINAL, ""
        terminal = Terminal(phone=phone, vehicle=vehicle)
    if not terminal.is_active or not terminal.vehicle.is_active:
        return c.REG_NO_TERMINAL, ""
    if reg.plate and reg.plate_color != 0 and reg.plate.upper() != terminal.vehicle.plate.upper():
        return c.REG_NO_VEHICLE, ""
    now = timezone.now()
    terminal.auth_code = secrets.token_hex(8)
    terminal.terminal_code = reg.terminal_id[:30]
    terminal.manufacturer = reg.manufacturer[:11]
    terminal.model = reg.model[:30]
    terminal.registered_at = now
    terminal.last_seen = now
    terminal.save()
    return c.REG_OK, terminal.auth_code


@_db
def authenticate_terminal(phone: str, auth_code: str) -> tuple[int, int] | None:
    """(terminal id, vehicle id) when the auth code is the one issued, else None."""
    t = Terminal.objects.filter(phone=phone, is_active=True, vehicle__is_active=True).first()
    if t is None or not t.auth_code or not secrets.compare_digest(t.auth_code, auth_code):
        return None
    Terminal.objects.filter(pk=t.pk).update(last_seen=timezone.now())
    return t.pk, t.vehicle_id


@_db
def touch_terminal(terminal_id: int) -> None:
    Terminal.objects.filter(pk=terminal_id).update(last_seen=timezone.now())


@_db
def store_points(points: list[dict[str, Any]]) -> IngestReport:
    return ingest(points, source=Source.JT808)


# --- group commit ---------------------------------------------------------------------------


@dataclass
class _Pending:
    points: list[dict[str, Any]]
    done: asyncio.Future = field(repr=False)


class PointWriter:
    """Collects the points of every connection and stores them in rounds: one ``ingest`` call
    per round in the executor. ``submit`` resolves to (kept, rejected) for its own points."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self.executor = executor
        self.queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.rounds = 0

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def submit(self, points: list[dict[str, Any]]) -> tuple[int, int]:
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self.queue.put(_Pending(points, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            round_ = [await self.queue.get()]
            size = len(round_[0].points)
            while not self.queue.empty() and size < MAX_ROUND:
                item = self.queue.get_nowait()
                round_.append(item)
                size += len(item.points)
            points = [p for item in round_ for p in item.points]
            self.rounds += 1
            try:
                report = await loop.run_in_executor(self.executor, store_points, points)
            except Exception as exc:  # a database error fails this round's messages only
                log.exception("jt808: storing %d points failed", len(points))
                for item in round_:
                    if not item.done.done():
                        item.done.set_exception(exc)
                continue
            bad = {e.index for e in report.errors}
            for e in report.errors:
                log.warning("jt808: point refused: %s %s", e.field, e.code)
            start = 0
            for item in round_:
                n = len(item.points)
                rejected = sum(1 for i in range(start, start + n) if i in bad)
                if not item.done.done():
                    item.done.set_result((n - rejected, rejected))
                start += n


# --- the server -----------------------------------------------------------------------------


class Gateway:
    """The TCP server. ``await gateway.start()`` binds (port 0 picks a free one, see
    ``gateway.port``); ``await gateway.stop()`` closes it."""

    def __init__(
        self,
        host: str = "0.0.0.0",  # noqa: S104 — terminals connect from the mobile network
        port: int = 808,
        *,
        idle_timeout: float = 600.0,  # noqa: S104
    ) -> None:
        self.host = host
        self.port = port
        self.idle_timeout = idle_timeout
        # One database thread: the ORM is synchronous, and one writer groups the points of
        # every connection into one insert per round.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jt808-db")
        self.writer = PointWriter(self.executor)
        self.server: asyncio.Server | None = None
        self.stats = {"frames": 0, "bad_frames": 0, "points": 0, "connections": 0}

    async def start(self) -> None:
        self.writer.start()
        self.server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        log.info("jt808 gateway listening on %s:%s", self.host, self.port)

    async def serve_forever(self) -> None:
        await self.start()
        assert self.server is not None
        async with self.server:
            await self.server.serve_forever()

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()
        await self.writer.stop()
        await asyncio.get_running_loop().run_in_executor(self.executor, connections.close_all)
        self.executor.shutdown(wait=True)

    async def _db(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = str(writer.get_extra_info("peername"))
        session = Session(peer=peer)
        self.stats["connections"] += 1
        buffer = bytearray()
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(4096), self.idle_timeout)
                except TimeoutError:
                    log.info("jt808 %s: idle, closing", peer)
                    break
                if not data:
                    break
                buffer.extend(data)
                for content in c.split_frames(buffer):
                    answer = await self.handle_frame(session, content)
                    if answer:
                        writer.write(answer)
                        await writer.drain()
                if len(buffer) > MAX_BUFFER:
                    log.warning(
                        "jt808 %s: %d bytes without a frame end, dropped", peer, len(buffer)
                    )
                    buffer.clear()
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.info("jt808 %s: connection lost (%s)", peer, exc)
        except Exception:  # never let one connection take the server down
            log.exception("jt808 %s: unexpected error, closing the connection", peer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def handle_frame(self, session: Session, content: bytes) -> bytes | None:
        """The answer to one frame's content (None: nothing can be answered)."""
        self.stats["frames"] += 1
        try:
            msg = c.decode_frame(content)
        except c.FrameError as exc:
            self.stats["bad_frames"] += 1
            log.warning("jt808 %s: bad frame (%s): %s", session.peer, exc, content[:64].hex())
            if exc.header is not None:
                return c.general_response(exc.header, session.next_serial(), c.BAD_MESSAGE)
            return None
        h = msg.header
        try:
            return await self._dispatch(session, msg)
        except c.FrameError as exc:
            self.stats["bad_frames"] += 1
            log.warning("jt808 %s: bad body of %#06x: %s", session.peer, h.msg_id, exc)
            return c.general_response(h, session.next_serial(), c.BAD_MESSAGE)
        except Exception:  # the database is away: the terminal keeps the data and retries
            log.exception("jt808 %s: handling %#06x failed", session.peer, h.msg_id)
            if h.msg_id == c.REGISTER:
                return None  # no 0x8100 result means "try later": the terminal retries
            return c.general_response(h, session.next_serial(), c.FAILURE)

    async def _dispatch(self, session: Session, msg: c.Message) -> bytes:
        h = msg.header
        serial = session.next_serial()
        if h.packages is not None or h.encryption:
            return c.general_response(h, serial, c.UNSUPPORTED)
        if h.msg_id == c.REGISTER:
            reg = c.parse_registration(msg.body, h.version)
            result, code = await self._db(register_terminal, h.phone, reg)
            log.info("jt808 %s: registration of %s: result %d", session.peer, h.phone, result)
            return c.register_response(h, serial, result, code)
        if h.msg_id == c.AUTHENTICATE:
            auth = c.parse_authentication(msg.body, h.version)
            found = await self._db(authenticate_terminal, h.phone, auth.auth_code)
            if found is None:
                log.warning("jt808 %s: authentication of %s failed", session.peer, h.phone)
                return c.general_response(h, serial, c.FAILURE)
            session.phone, (session.terminal_id, session.vehicle_id) = h.phone, found
            return c.general_response(h, serial, c.OK)
        if h.msg_id in (c.HEARTBEAT, c.TERMINAL_GENERAL_RESPONSE):
            if session.terminal_id and session.phone == h.phone and h.msg_id == c.HEARTBEAT:
                await self._db(touch_terminal, session.terminal_id)
            return c.general_response(h, serial, c.OK)
        if h.msg_id in (c.POSITION, c.BATCH_POSITION):
            if session.vehicle_id is None or session.phone != h.phone:
                return c.general_response(h, serial, c.FAILURE)
            if h.msg_id == c.POSITION:
                positions = [c.parse_position(msg.body)]
            else:
                positions = c.parse_batch(msg.body)[1]
            points = [self._point(session, p) for p in positions]
            kept, _rejected = await self.writer.submit(points)
            self.stats["points"] += kept
            return c.general_response(h, serial, c.OK if kept or not points else c.BAD_MESSAGE)
        return c.general_response(h, serial, c.UNSUPPORTED)

    @staticmethod
    def _point(session: Session, p: c.Position) -> dict[str, Any]:
        return {
            "vehicle_id": session.vehicle_id,
            "time": p.at,
            "lat": p.lat,
            "lon": p.lon,
            "speed": p.speed_kmh,
            "heading": p.heading,
            "altitude": p.altitude,
            "alarm": p.alarm,
            "status": p.status,
        }
