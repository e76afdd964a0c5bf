import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from wufei.tracking import partitions
from wufei.tracking.ingest import ingest
from wufei.tracking.models import TrackPoint

NOW = timezone.now().replace(microsecond=0)


def pt(at, plate="浙D10001"):
    return {"plate": plate, "time": at, "lat": 30.08, "lon": 120.49}


def test_retention_deletes_old_points(fleet):
    old, fresh = NOW - dt.timedelta(days=20), NOW - dt.timedelta(days=2)
    assert ingest([pt(old), pt(fresh)], now=NOW).accepted == 2
    result = partitions.apply_retention(days=10, now=NOW)
    assert result.deleted_rows == 1
    assert list(TrackPoint.objects.values_list("at", flat=True)) == [fresh]


def test_command_runs_on_any_database(fleet):
    ingest([pt(NOW - dt.timedelta(days=500))], now=NOW + dt.timedelta(days=1000))
    call_command("track_partitions", "--retention-days", "400")
    assert TrackPoint.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_day_partitions(fleet):
    assert partitions.is_partitioned()
    today = NOW.astimezone(dt.UTC).date()
    # Today's midnight (UTC) is never in the future; a few seconds after it are within the
    # tolerance for terminal clocks, whatever the time the test runs.
    day = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    # Points land in the default partition while no day partition exists …
    ingest([pt(day), pt(day + dt.timedelta(seconds=1)), pt(day - dt.timedelta(days=3))], now=NOW)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracking_trackpoint_default")
        assert cursor.fetchone()[0] == 3
    # … and move into their day partition when it is created.
    created = partitions.ensure_partitions(days_ahead=2, today=today)
    assert partitions.partition_name(today) in created and len(created) == 4
    assert partitions.ensure_partitions(days_ahead=2, today=today) == []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partitions.partition_name(today)}")  # noqa: S608
        assert cursor.fetchone()[0] == 2
        cursor.execute("SELECT count(*) FROM tracking_trackpoint_default")
        assert cursor.fetchone()[0] == 1
    # Idempotent inserts work across partitions (the unique key includes ``at``).
    r = ingest([pt(day), pt(day + dt.timedelta(seconds=2))], now=NOW)
    assert (r.accepted, r.duplicates) == (1, 1)
    # Retention drops whole partitions older than the cutoff and old rows of the default.
    result = partitions.apply_retention(days=0, now=NOW + dt.timedelta(days=1, hours=1))
    assert partitions.partition_name(today) in result.dropped_partitions
    assert partitions.partition_name(today - dt.timedelta(days=1)) in result.dropped_partitions
    assert result.deleted_rows == 1  # the old point in the default partition
    assert TrackPoint.objects.count() == 0
    assert (
        partitions.partition_name(today + dt.timedelta(days=2))
        in partitions.day_partitions().values()
    )
