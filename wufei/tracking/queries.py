"""Reading tracks (轨迹查询): numpy arrays for the analyses, restricted lists for people."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import numpy as np
from django.db import connection

from wufei.core.errors import NotFound
from wufei.core.permissions import allows
from wufei.registry.models import Vehicle

from .models import TrackPoint


class Track(NamedTuple):
    """A vehicle's points ordered by time: ``t`` is ``datetime64[us]`` in UTC (naive),
    ``lat``/``lon`` WGS-84 degrees, ``speed`` km/h (NaN where not reported)."""

    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    speed: np.ndarray

    @property
    def seconds(self) -> np.ndarray:
        """UNIX seconds as float64 (for vectorised speed and duration arithmetic)."""
        return self.t.astype("datetime64[us]").astype(np.int64) / 1e6

    @property
    def size(self) -> int:
        return int(self.t.shape[0])


def _vehicle_id(vehicle: Vehicle | int) -> int:
    return vehicle if isinstance(vehicle, int) else int(vehicle.pk)


def points_for(
    vehicle: Vehicle | int, start: dt.datetime, end: dt.datetime, *, user: Any = None
) -> Track:
    """The points of ``vehicle`` with ``start <= at < end``, ordered by time, as numpy arrays.

    One query over the (vehicle_id, at) unique index (and, on PostgreSQL, only the day
    partitions of the window). With ``user``, a vehicle the user may not view answers
    ``NotFound``; without, the caller is the system (the trip analyses).
    """
    vid = _vehicle_id(vehicle)
    if user is not None:
        v = Vehicle.objects.filter(pk=vid).first()
        if v is None or not allows(user, "view", TrackPoint(vehicle=v)):
            raise NotFound("vehicle not found", code="not_found")
    qs = TrackPoint.objects.filter(vehicle_id=vid, at__gte=start, at__lt=end).order_by("at")
    if connection.vendor == "postgresql":
        # Microseconds since the epoch computed by the server: no datetime objects in Python.
        sql = (
            "SELECT (EXTRACT(EPOCH FROM at) * 1000000)::bigint, lat, lon, speed_kmh "
            "FROM tracking_trackpoint WHERE vehicle_id = %s AND at >= %s AND at < %s ORDER BY at"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [vid, start, end])
            rows = cursor.fetchall()
        if not rows:
            return _empty()
        cols = list(zip(*rows, strict=True))
        t = np.array(cols[0], dtype=np.int64).astype("datetime64[us]")
    else:
        # SQLite keeps the text Django wrote ("YYYY-MM-DD HH:MM:SS[.ffffff]", UTC): numpy parses
        # it in C; values_list would build one datetime per point.
        sql_qs, params = qs.values_list("at", "lat", "lon", "speed_kmh").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql_qs, params)
            rows = cursor.fetchall()
        if not rows:
            return _empty()
        cols = list(zip(*rows, strict=True))
        t = np.array(cols[0], dtype="datetime64[us]")
    return Track(
        t=t,
        lat=np.array(cols[1], dtype=float),
        lon=np.array(cols[2], dtype=float),
        speed=np.array(cols[3], dtype=float),
    )


def _empty() -> Track:
    return Track(
        t=np.array([], dtype="datetime64[us]"),
        lat=np.array([], dtype=float),
        lon=np.array([], dtype=float),
        speed=np.array([], dtype=float),
    )


def visible_points(user: Any) -> Any:
    """Track points the user may view (carrier staff: their vehicles; regulators: their area)."""
    return TrackPoint.objects.restrict(user, "view").select_related("vehicle")
