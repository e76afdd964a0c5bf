"""``manage.py track_partitions``: create the day partitions ahead and apply the retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wufei.tracking import partitions


class Command(BaseCommand):
    help = (
        "PostgreSQL: create the track points' day partitions ahead of today; everywhere: drop "
        "(PostgreSQL partitions) or delete (SQLite rows) points older than the retention period."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days-ahead", type=int, default=None)
        parser.add_argument(
            "--retention-days", type=int, default=None, help="default: TRACK_RETENTION_DAYS"
        )
        parser.add_argument("--no-retention", action="store_true", help="only create partitions")

    def handle(self, *args: Any, **options: Any) -> None:
        created = partitions.ensure_partitions(options["days_ahead"])
        self.stdout.write(f"partitions created: {len(created)} {' '.join(created)}".rstrip())
        if not options["no_retention"]:
            result = partitions.apply_retention(options["retention_days"])
            self.stdout.write(
                f"retention: points before {result.cutoff:%Y-%m-%d %H:%M}Z removed: "
                f"{len(result.dropped_partitions)} partitions dropped, "
                f"{result.deleted_rows} rows deleted"
            )
