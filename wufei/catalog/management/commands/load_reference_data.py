"""``manage.py load_reference_data``: load (or refresh) the catalogue, exemptions, treatment
methods, general waste classes and regions from ``catalog/data/``. Safe to run again: it only
writes what differs from the files and prints what it created or updated."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wufei.catalog.loaders import SECTIONS, ReferenceDataError, load_all


class Command(BaseCommand):
    help = "Load the reference data (waste catalogue by edition, exemptions, methods, regions). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="directory with the data files (default: the app's data/)",
        )
        parser.add_argument(
            "--editions",
            type=Path,
            default=None,
            help="editions CSV (default: <data-dir>/editions.csv)",
        )
        parser.add_argument(
            "--only", action="append", choices=SECTIONS, help="load only this section (repeatable)"
        )

    def handle(self, *args, **options):
        try:
            report = load_all(
                options["data_dir"], only=options["only"], editions_file=options["editions"]
            )
        except ReferenceDataError as exc:
            raise CommandError(f"Nothing was loaded. {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        if report.changed:
            self.stdout.write(self.style.SUCCESS("Reference data loaded."))
        else:
            self.stdout.write(
                self.style.SUCCESS("Reference data already up to date; nothing changed.")
            )
