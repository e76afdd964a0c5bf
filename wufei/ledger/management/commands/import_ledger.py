"""``manage.py import_ledger FILE --site ID``: import a ledger (.xlsx or .csv, HJ 1259 Appendix
B shape) into a site, all or nothing, with a progress bar.

If any row is bad nothing is imported: the problems are printed (sheet, row, column, problem)
and optionally written to ``--report`` as CSV. See docs/ledger-import.md.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from wufei.core.errors import ActionError
from wufei.ledger.actions import import_ledger
from wufei.ledger.importing import read_rows, write_report_csv
from wufei.registry.models import Site


class Command(BaseCommand):
    help = (
        "Import a ledger (HJ 1259 Appendix B rows) from .xlsx or .csv into a site; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--site", required=True, help="site id")
        parser.add_argument("--user", required=True, help="username of the acting org member")
        parser.add_argument("--report", help="write the per-row error report to this CSV file")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        actor = get_user_model().objects.filter(username=opts["user"]).first()
        if actor is None:
            raise CommandError(f"unknown user {opts['user']}")
        site = Site.objects.filter(pk=opts["site"]).first() if str(opts["site"]).isdigit() else None
        if site is None:
            raise CommandError(f"unknown site {opts['site']}")
        bar = tqdm(unit="row", disable=opts["no_progress"], file=self.stderr._out, desc="check")
        state = {"last": 0}

        def progress(n: int) -> None:
            if n < state["last"]:  # writing starts again from 0
                bar.set_description("write")
                bar.reset(total=bar.n)
            state["last"] = n
            bar.n = n
            bar.refresh()

        try:
            with path.open("rb") as fh:
                result = import_ledger(
                    actor, site, read_rows(fh, path.name), filename=path.name, progress=progress
                )
        except ActionError as exc:
            raise CommandError(str(exc.message)) from None
        finally:
            bar.close()
        if not result.ok:
            for e in result.errors:
                self.stdout.write(f"{e.sheet} row {e.row} / 第{e.row}行  [{e.column}]  {e.message}")
            if opts["report"]:
                with open(opts["report"], "w", encoding="utf-8-sig", newline="") as fh:
                    write_report_csv(result.errors, fh)
                self.stdout.write(f"report: {opts['report']}")
            raise CommandError(
                f"{result.error_count} problem(s) in {result.total} row(s); nothing imported"
            )
        for w in result.warnings:
            self.stdout.write(self.style.WARNING(w))
        self.stdout.write(
            self.style.SUCCESS(
                f"imported {result.total} row(s): {result.containers} container(s), "
                f"{result.entries} entr(ies)"
            )
        )
