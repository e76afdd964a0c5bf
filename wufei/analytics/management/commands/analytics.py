"""``manage.py analytics …``: indicators for scripts, the aggregates, the statistics import.

analytics indicators --region 3306 --year 2025 [--month 3] [--format json|table|csv]
analytics fold                      # fold new ledger entries and receipts (the task's work)
analytics rebuild                   # drop the aggregates and fold everything again
analytics template OUT.xlsx         # the statistics template
analytics import-statistics FILE [--source …] [--user NAME]
analytics load-2024                 # the plan's 2024 provincial figures (data/zhejiang_2024.csv)
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wufei.core.errors import ValidationFailed


def _actor(username: str | None) -> Any:
    from wufei.core.models import User

    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError("no platform administrator to import as: pass --user")
    return user


class Command(BaseCommand):
    help = "Indicators, aggregates and official statistics of the analytics app."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        p = sub.add_parser("indicators", help="the seven indicators of a region and period")
        p.add_argument("--region", required=True, help="region code: 33, 3306, 330603 or 6 digits")
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--month", type=int, choices=range(1, 13), default=None)
        p.add_argument("--format", choices=("json", "table", "csv"), default="table")
        sub.add_parser("fold", help="fold new ledger entries and receipts into the aggregates")
        sub.add_parser("rebuild", help="drop the aggregates and fold everything again")
        p = sub.add_parser("template", help="write the statistics Excel template")
        p.add_argument("out")
        p = sub.add_parser(
            "import-statistics", help="import a statistics workbook (all or nothing)"
        )
        p.add_argument("file")
        p.add_argument("--source", default="")
        p.add_argument("--user", default=None)
        p = sub.add_parser("load-2024", help="load the plan's 2024 provincial statistics")
        p.add_argument("--user", default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        sub = opts["sub"].replace("-", "_")
        getattr(self, f"do_{sub}")(opts)

    def do_indicators(self, opts: dict[str, Any]) -> None:
        from wufei.analytics import aggregates, indicators

        try:
            code = aggregates.normalise(opts["region"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        values = indicators.compute(code, opts["year"], month=opts["month"])
        rows = [
            {
                "code": v.code,
                "name": v.name,
                "value": v.value,
                "unit": v.unit,
                "target_2027": v.target_2027,
                "target_2030": v.target_2030,
                "status": v.status,
                "sources": v.sources,
            }
            for v in values
        ]
        fmt = opts["format"]
        if fmt == "json":
            payload = {
                "region": code,
                "year": opts["year"],
                "month": opts["month"],
                "indicators": [
                    {**r, "detail": v.detail} for r, v in zip(rows, values, strict=True)
                ],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        elif fmt == "csv":
            w = csv.DictWriter(self.stdout, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        else:
            width = max(len(str(r["name"])) for r in rows)
            for r in rows:
                value = "—" if r["value"] is None else f"{r['value']}{r['unit']}"
                self.stdout.write(
                    f"{r['name']:<{width}}  {value:>12}  {r['status']:<5}  "
                    f"2027 {r['target_2027']} · 2030 {r['target_2030']}  ({r['sources']})"
                )

    def do_fold(self, opts: dict[str, Any]) -> None:
        from wufei.analytics import aggregates

        self.stdout.write(json.dumps(aggregates.fold()))

    def do_rebuild(self, opts: dict[str, Any]) -> None:
        from wufei.analytics import aggregates

        self.stdout.write(json.dumps(aggregates.rebuild()))

    def do_template(self, opts: dict[str, Any]) -> None:
        from wufei.analytics import statistics

        Path(opts["out"]).write_bytes(statistics.template())
        self.stdout.write(f"template written to {opts['out']}")

    def _import(self, run: Any) -> None:
        try:
            batch = run()
        except ValidationFailed as exc:
            for e in exc.details.get("errors", []):
                sys.stderr.write(f"{e['message']}\n")
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"imported {batch.rows} row(s) as batch {batch.pk} ({batch.sha256[:12]})")

    def do_import_statistics(self, opts: dict[str, Any]) -> None:
        from wufei.analytics import statistics

        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = _actor(opts["user"])
        self._import(
            lambda: statistics.import_statistics(
                actor, path.read_bytes(), file_name=path.name, source=opts["source"]
            )
        )

    def do_load_2024(self, opts: dict[str, Any]) -> None:
        from wufei.analytics import statistics

        actor = _actor(opts["user"])
        self._import(lambda: statistics.load_zhejiang_2024(actor))
