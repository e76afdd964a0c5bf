"""``manage.py import_organizations FILE``: bulk-register organisations from .xlsx or .csv.

All or nothing: if any row is bad nothing is imported, and the problems are printed (row,
column, problem) and optionally written to ``--report`` as CSV.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from wufei.core.errors import ActionError
from wufei.registry.actions import import_organizations
from wufei.registry.importing import HEADER_OF, read_rows, write_report_csv


class Command(BaseCommand):
    help = "Import organisations from an .xlsx or .csv file (Chinese or English headers); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", help="username of the acting user (default: the first superuser)"
        )
        parser.add_argument("--report", help="write the per-row error report to this CSV file")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        User = get_user_model()
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {opts['user']}")
        else:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if actor is None:
                raise CommandError("no superuser: pass --user")
        try:
            with path.open("rb") as fh:
                rows = read_rows(fh, path.name)
        except ActionError as exc:
            raise CommandError(str(exc.message)) from None
        bar = tqdm(
            total=len(rows) * 2, unit="row", disable=opts["no_progress"], file=self.stderr._out
        )
        state = {"last": 0, "phase": 0}

        def progress(n: int) -> None:
            # validation reports 0…N, then writing reports 0…N again
            if n < state["last"]:
                state["phase"] = 1
            state["last"] = n
            bar.n = min(bar.total, n + state["phase"] * len(rows))
            bar.refresh()

        try:
            result = import_organizations(actor, rows, progress=progress)
        finally:
            bar.close()
        if result.errors:
            for e in result.errors:
                self.stdout.write(
                    f"row {e.row} / 行 {e.row}  [{HEADER_OF.get(e.field, e.field)}]  {e.message}"
                )
            if opts["report"]:
                with open(opts["report"], "w", encoding="utf-8-sig", newline="") as fh:
                    write_report_csv(result.errors, fh)
                self.stdout.write(f"report: {opts['report']}")
            raise CommandError(
                f"{len(result.errors)} problem(s) in {len({e.row for e in result.errors})} row(s); nothing imported"
            )
        self.stdout.write(self.style.SUCCESS(f"imported {result.created} organisation(s)"))
