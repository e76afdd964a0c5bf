"""Day partitions of the track points on PostgreSQL, and retention (轨迹保存期限).

On PostgreSQL ``tracking_trackpoint`` is ``PARTITION BY RANGE (at)`` with one partition per UTC
day (``tracking_trackpoint_p20260302`` holds [2026-03-02 00:00Z, 2026-03-03 00:00Z)) and a
default partition that catches any point no day partition covers, so nothing is ever lost.
``ensure_partitions`` creates the partitions from yesterday to ``days_ahead`` days ahead;
when the default partition already holds points of a day being created, they are moved into
the new partition in the same transaction. ``apply_retention`` drops whole day partitions older
than the retention period (and deletes such rows left in the default partition); on SQLite it
deletes the rows. The ``track_partitions`` command and the ``maintain_track_storage`` task run
both.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .conf import retention_days, setting
from .models import TrackPoint

TABLE = TrackPoint._meta.db_table
DEFAULT = f"{TABLE}_default"
_NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE])
        row = cursor.fetchone()
    return bool(row and row[0] == "p")


def partition_name(day: dt.date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def day_partitions() -> dict[dt.date, str]:
    """The existing day partitions (date → table name)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [r[0] for r in cursor.fetchall()]
    found = {}
    for name in names:
        m = _NAME.match(name)
        if m:
            found[dt.datetime.strptime(m.group(1), "%Y%m%d").date()] = name
    return found


def create_partition(day: dt.date) -> bool:
    """Create the partition of one UTC day (moving its rows out of the default partition).
    Returns False when it exists already."""
    if day in day_partitions():
        return False
    name = partition_name(day)
    start, end = _bounds(day)
    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # Locks the parent, so that no insert lands in the default partition meanwhile.
        cursor.execute(f"LOCK TABLE {q(TABLE)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE TABLE {q(name)} (LIKE {q(TABLE)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {q(DEFAULT)} WHERE at >= %s AND at < %s RETURNING *) "  # noqa: S608
            f"INSERT INTO {q(name)} SELECT * FROM moved",
            [start, end],
        )
        cursor.execute(
            f"ALTER TABLE {q(TABLE)} ATTACH PARTITION {q(name)} FOR VALUES FROM (%s) TO (%s)",
            [start, end],
        )
    return True


def ensure_partitions(days_ahead: int | None = None, today: dt.date | None = None) -> list[str]:
    """Create the day partitions from yesterday to ``days_ahead`` days ahead (PostgreSQL with the
    partitioned table only; elsewhere nothing to do). Returns the names created."""
    if not is_partitioned():
        return []
    if days_ahead is None:
        days_ahead = int(setting("TRACK_PARTITION_DAYS_AHEAD"))
    today = today or timezone.now().astimezone(dt.UTC).date()
    created = []
    for offset in range(-1, days_ahead + 1):
        day = today + dt.timedelta(days=offset)
        if create_partition(day):
            created.append(partition_name(day))
    return created


@dataclass
class RetentionResult:
    cutoff: dt.datetime
    dropped_partitions: list[str]
    deleted_rows: int


def apply_retention(days: int | None = None, now: dt.datetime | None = None) -> RetentionResult:
    """Remove the points older than ``days`` (default: ``TRACK_RETENTION_DAYS``).

    PostgreSQL: drop every day partition that ends at or before the cutoff (instant, no vacuum),
    then delete older rows from the default partition. Elsewhere: delete the rows."""
    days = retention_days() if days is None else days
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    dropped: list[str] = []
    if is_partitioned():
        q = connection.ops.quote_name
        for day, name in sorted(day_partitions().items()):
            if _bounds(day)[1] <= cutoff:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE {q(TABLE)} DETACH PARTITION {q(name)}")
                    cursor.execute(f"DROP TABLE {q(name)}")
                dropped.append(name)
    deleted, _ = TrackPoint.objects.filter(at__lt=cutoff).delete()
    return RetentionResult(cutoff=cutoff, dropped_partitions=dropped, deleted_rows=deleted)
