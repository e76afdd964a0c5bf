"""Track ingest (轨迹接入): validate points, keep the good ones, bulk insert idempotently.

``ingest(points, source=…)`` is the one writer of ``TrackPoint``: the HTTP batch endpoint, the
MQTT subscriber and the JT/T 808 gateway all call it. Each point is a mapping with

- the vehicle: ``plate`` (车牌号) or ``terminal`` (the vehicle's GNSS terminal id or a JT/T 808
  terminal phone number), ``vehicle`` (either of the two: the MQTT topic), or ``vehicle_id``
  from a caller that already knows it (the gateway);
- ``time``: an aware ``datetime``, an ISO 8601 string (without an offset: Beijing time, UTC+8)
  or UNIX seconds;
- ``lat``, ``lon`` in the batch's ``crs`` (WGS-84 by default; GCJ-02 and BD-09 are converted);
- optional ``speed`` (km/h), ``heading`` (degrees from north), ``altitude`` (m), ``alarm``,
  ``status`` (JT/T 808 bit fields).

A point with an impossible value is refused with an error naming its index and field; the
others are stored. (vehicle, time) identifies a point: the insert is ``INSERT … ON CONFLICT DO
NOTHING``, so a point sent twice — in the same batch or later — is counted as a duplicate and
changes nothing, and points may arrive in any order. Track points are telemetry, not domain
actions: they are not written to the audit chain (docs/tracking.md).
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wufei.registry.models import Vehicle

from . import coords
from .conf import retention_days, setting
from .models import Source, Terminal, TrackPoint, normalise_phone

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
COLUMNS = (
    "vehicle_id",
    "at",
    "lat",
    "lon",
    "speed_kmh",
    "heading",
    "altitude",
    "source",
    "alarm",
    "status",
    "received_at",
)


@dataclass(frozen=True)
class PointError:
    """Why one point was refused: its index in the batch, the field, a code and a message."""

    index: int
    field: str
    code: str
    message: str


@dataclass
class IngestReport:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[PointError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [asdict(e) for e in self.errors],
        }


class _Refused(Exception):
    def __init__(self, field_name: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.code = code
        self.message = message


def _number(point: Mapping[str, Any], name: str, *aliases: str, required: bool = False) -> Any:
    raw = None
    for key in (name, *aliases):
        if point.get(key) not in (None, ""):
            raw = point[key]
            break
    if raw is None:
        if required:
            raise _Refused(name, "tracking.required", _("This value is required."))
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise _Refused(name, "tracking.not_a_number", _("Enter a number.")) from None
    if not math.isfinite(value):
        raise _Refused(name, "tracking.not_a_number", _("Enter a number."))
    return value


def parse_time(raw: Any) -> dt.datetime:
    """An aware UTC datetime from a datetime, ISO 8601 text (naive = Beijing time) or UNIX
    seconds. Raises ``ValueError``."""
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        if not math.isfinite(raw):
            raise ValueError("not finite")
        value = dt.datetime.fromtimestamp(raw, tz=dt.UTC)
    elif isinstance(raw, str) and raw.strip():
        text = raw.strip()
        if text.replace(".", "", 1).isdigit():
            return parse_time(float(text))
        try:
            value = dt.datetime.fromisoformat(text)  # C: the common case, fast
        except ValueError:
            parsed = parse_datetime(text.replace("/", "-"))
            if parsed is None:
                raise ValueError("not a time") from None
            value = parsed
    else:
        raise ValueError("not a time")
    if timezone.is_naive(value):
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(dt.UTC)


@dataclass(frozen=True)
class Limits:
    """The bounds a point must respect, read from the settings once per batch."""

    latest: dt.datetime
    oldest: dt.datetime
    max_speed: float

    @classmethod
    def at(cls, now: dt.datetime) -> Limits:
        return cls(
            latest=now + dt.timedelta(seconds=int(setting("TRACK_MAX_FUTURE_SECONDS"))),
            oldest=now - dt.timedelta(days=retention_days()),
            max_speed=float(setting("TRACK_MAX_SPEED_KMH")),
        )


def _check(point: Mapping[str, Any], limits: Limits) -> dict[str, Any]:
    """The cleaned values of one point, or ``_Refused``."""
    raw_time = point.get("time", point.get("at"))
    if raw_time in (None, ""):
        raise _Refused("time", "tracking.required", _("This value is required."))
    try:
        at = parse_time(raw_time)
    except (ValueError, OverflowError, OSError):
        raise _Refused(
            "time",
            "tracking.time_invalid",
            _("Enter the time as ISO 8601 (e.g. 2026-03-02T09:30:00+08:00) or UNIX seconds."),
        ) from None
    if at > limits.latest:
        raise _Refused("time", "tracking.time_future", _("The time lies in the future."))
    if at < limits.oldest:
        raise _Refused(
            "time",
            "tracking.time_too_old",
            _("The time is older than the retention period of the tracks."),
        )
    lat = _number(point, "lat", "latitude", required=True)
    lon = _number(point, "lon", "lng", "longitude", required=True)
    if not -90.0 <= lat <= 90.0:
        raise _Refused("lat", "tracking.lat_range", _("Latitude must lie between -90 and 90."))
    if not -180.0 <= lon <= 180.0:
        raise _Refused("lon", "tracking.lon_range", _("Longitude must lie between -180 and 180."))
    if lat == 0.0 and lon == 0.0:
        raise _Refused("lat", "tracking.no_fix", _("0, 0 is not a position fix."))
    speed = _number(point, "speed", "speed_kmh")
    limit = limits.max_speed
    if speed is not None and not 0.0 <= speed <= limit:
        raise _Refused(
            "speed",
            "tracking.speed_range",
            _("Speed must lie between 0 and %(limit)s km/h.") % {"limit": f"{limit:g}"},
        )
    heading = _number(point, "heading", "direction", "course")
    if heading is not None:
        if not 0.0 <= heading <= 360.0:
            raise _Refused(
                "heading", "tracking.heading_range", _("Heading must lie between 0 and 360.")
            )
        heading = heading % 360.0
    altitude = _number(point, "altitude", "alt")
    if altitude is not None and not -500.0 <= altitude <= 9000.0:
        raise _Refused(
            "altitude", "tracking.altitude_range", _("Altitude must lie between -500 and 9000 m.")
        )
    flags = {}
    for name in ("alarm", "status"):
        value = _number(point, name)
        if value is not None and (value < 0 or value >= 2**32 or value != int(value)):
            raise _Refused(name, "tracking.flags_invalid", _("Enter a 32-bit unsigned integer."))
        flags[name] = int(value or 0)
    return {
        "at": at,
        "lat": lat,
        "lon": lon,
        "speed_kmh": speed,
        "heading": heading,
        "altitude": altitude,
        **flags,
    }


def _key(value: Any) -> str:
    return str(value or "").strip().upper()


def resolve_vehicles(
    points: list[Mapping[str, Any]], vehicles: QuerySet[Vehicle]
) -> dict[tuple[str, str], int]:
    """Map ("plate", P) / ("terminal", T) / ("id", N) keys of the batch to vehicle ids in
    ``vehicles`` (the vehicles the sender may post for): three queries at most."""
    either = {_key(p.get("vehicle")) for p in points if p.get("vehicle")}
    plates = {_key(p.get("plate")) for p in points if p.get("plate")} | either
    terminals = {_key(p.get("terminal")) for p in points if p.get("terminal")} | either
    ids = {str(p.get("vehicle_id")) for p in points if p.get("vehicle_id") is not None}
    found: dict[tuple[str, str], int] = {}
    if plates or terminals:
        rows = vehicles.filter(Q(plate__in=plates) | Q(terminal_id__in=terminals)).values_list(
            "pk", "plate", "terminal_id"
        )
        for pk, plate, terminal_id in rows:
            if _key(plate) in plates:
                found[("plate", _key(plate))] = pk
            if terminal_id and _key(terminal_id) in terminals:
                found[("terminal", _key(terminal_id))] = pk
    if terminals:
        allowed = vehicles.values("pk")
        phones: dict[str, list[str]] = {}
        for t in terminals:
            phones.setdefault(normalise_phone(t), []).append(t)
        for phone, vehicle_id in Terminal.objects.filter(
            phone__in=list(phones), is_active=True, vehicle__in=allowed
        ).values_list("phone", "vehicle_id"):
            for t in phones.get(phone, []):
                found.setdefault(("terminal", t), vehicle_id)
    if ids:
        numeric = [int(i) for i in ids if i.isdigit()]
        for pk in vehicles.filter(pk__in=numeric).values_list("pk", flat=True):
            found[("id", str(pk))] = pk
    return found


def _vehicle_of(point: Mapping[str, Any], found: dict[tuple[str, str], int]) -> int:
    if point.get("vehicle_id") is not None:
        key = ("id", str(point["vehicle_id"]))
    elif point.get("plate"):
        key = ("plate", _key(point["plate"]))
    elif point.get("terminal"):
        key = ("terminal", _key(point["terminal"]))
    elif point.get("vehicle"):  # a plate or a terminal id (the MQTT topic's last level)
        key = ("plate", _key(point["vehicle"]))
        if key not in found:
            key = ("terminal", key[1])
    else:
        raise _Refused(
            "plate", "tracking.vehicle_required", _("Give the plate number or the terminal id.")
        )
    if key not in found:
        field_name = "plate" if key[0] == "plate" else "terminal"
        raise _Refused(field_name, "tracking.vehicle_unknown", _("Unknown vehicle."))
    return found[key]


def _batch_rows() -> int:
    # SQLite ≥ 3.32 takes 32,766 parameters per statement; older ones 999.
    return 500 if sqlite3.sqlite_version_info >= (3, 32) else 90


#: PostgreSQL types of COLUMNS, for the arrays of ``unnest``.
PG_TYPES = (
    "bigint",
    "timestamptz",
    "float8",
    "float8",
    "float8",
    "float8",
    "float8",
    "text",
    "bigint",
    "bigint",
    "timestamptz",
)


def insert_rows(rows: list[tuple[Any, ...]]) -> int:
    """``INSERT … ON CONFLICT DO NOTHING`` in chunks; returns the number of rows inserted.

    ``bulk_create(ignore_conflicts=True)`` issues the same statement but does not say how many
    rows it inserted; the report needs that count, so the statement is written here. PostgreSQL
    gets one array per column (``SELECT * FROM unnest(…)``: 11 parameters for 5,000 rows, where
    a multi-row VALUES list would spend its time in the driver splitting 55,000 placeholders);
    SQLite a multi-row VALUES list.
    """
    if not rows:
        return 0
    table = connection.ops.quote_name(TrackPoint._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    inserted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{t}[]" for t in PG_TYPES)
            sql = f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"  # noqa: S608
            for start in range(0, len(rows), 5000):
                chunk = rows[start : start + 5000]
                cursor.execute(sql, [list(col) for col in zip(*chunk, strict=True)])
                inserted += max(cursor.rowcount, 0)
            return inserted
        one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        size = _batch_rows()
        adapt = connection.ops.adapt_datetimefield_value
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params: list[Any] = []
            for r in chunk:
                params.extend((r[0], adapt(r[1]), *r[2:10], adapt(r[10])))
            # Identifiers from the model, values as parameters.
            values = ", ".join([one] * len(chunk))
            sql = f"INSERT INTO {table} ({cols}) VALUES {values} ON CONFLICT DO NOTHING"  # noqa: S608
            cursor.execute(sql, params)
            inserted += max(cursor.rowcount, 0)
    return inserted


def ingest(
    points: Iterable[Mapping[str, Any]],
    *,
    source: str = Source.HTTP,
    vehicles: QuerySet[Vehicle] | None = None,
    crs: str = coords.CRS_WGS84,
    now: dt.datetime | None = None,
) -> IngestReport:
    """Validate and store ``points``; see the module docstring. ``vehicles`` limits which
    vehicles the sender may post for (a carrier's own: ``restrict(user, "add")``); a point of
    any other vehicle is refused as unknown."""
    batch = list(points)
    report = IngestReport(received=len(batch))
    if not batch:
        return report
    now = now or timezone.now()
    limits = Limits.at(now)
    vehicles = Vehicle.objects.all() if vehicles is None else vehicles
    good: list[tuple[int, dict[str, Any]]] = []
    mappings = [p if isinstance(p, Mapping) else {} for p in batch]
    found = resolve_vehicles(mappings, vehicles)
    for index, point in enumerate(batch):
        try:
            if not isinstance(point, Mapping):
                raise _Refused("", "tracking.point_invalid", _("A point is an object of fields."))
            values = _check(point, limits)
            values["vehicle_id"] = _vehicle_of(point, found)
        except _Refused as refused:
            report.errors.append(PointError(index, refused.field, refused.code, refused.message))
            continue
        good.append((index, values))
    report.rejected = len(report.errors)
    if good and crs != coords.CRS_WGS84:
        lat = np.fromiter((v["lat"] for _index, v in good), dtype=float, count=len(good))
        lon = np.fromiter((v["lon"] for _index, v in good), dtype=float, count=len(good))
        lat, lon = coords.to_wgs84(lat, lon, crs)
        for i, (_index, v) in enumerate(good):
            v["lat"], v["lon"] = float(lat[i]), float(lon[i])
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[int, dt.datetime]] = set()
    for _index, v in good:
        key = (v["vehicle_id"], v["at"])
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            (
                v["vehicle_id"],
                v["at"],
                v["lat"],
                v["lon"],
                v["speed_kmh"],
                v["heading"],
                v["altitude"],
                str(source),
                v["alarm"],
                v["status"],
                now,
            )
        )
    report.accepted = insert_rows(rows)
    report.duplicates = len(good) - report.accepted
    return report
