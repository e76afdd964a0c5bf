"""``manage.py seed_demo``: build (or complete) the demo province and print the demo accounts.

    manage.py seed_demo                      # 300 producers, the default seed
    manage.py seed_demo --scale 100000       # a province-size registry for benchmarks
    manage.py seed_demo --seed 7 --quiet
    manage.py seed_demo --no-activity        # registry and 2026 plans, no ledger history
    manage.py seed_demo --activity-producers 80

Safe to run again: what exists is kept, only what is missing is created. See docs/demo.md.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from wufei.demo.accounts import DEMO_ACCOUNTS, demo_password
from wufei.demo.analytics import seed_analytics
from wufei.demo.seeding import ACTIVITY_PRODUCERS, DETAILED, IMPORT_BATCH, PLAN_YEAR, Seeder
from wufei.demo.warnings import seed_warnings

DEFAULT_SEED = 20261126
DEFAULT_SCALE = 300


class Command(BaseCommand):
    help = "Build the demo province (deterministic from --seed) through the registry actions. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=DEFAULT_SCALE,
            help=f"number of producers (default {DEFAULT_SCALE}; 100000 builds a province-size registry)",
        )
        parser.add_argument(
            "--detailed",
            type=int,
            default=DETAILED,
            help=f"producers that get a site and a storage facility (default {DETAILED}); the rest are "
            "registered by bulk import",
        )
        parser.add_argument(
            "--batch", type=int, default=IMPORT_BATCH, help="rows per bulk-import batch"
        )
        parser.add_argument(
            "--activity-producers",
            type=int,
            default=None,
            help="producers that get a year of ledger activity (default: one in seven, at most "
            f"{ACTIVITY_PRODUCERS})",
        )
        parser.add_argument(
            "--no-activity",
            action="store_true",
            help="no ledger activity (the registry and the management plans only)",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="no progress bar and no account table"
        )

    def handle(self, *args, **options):
        quiet = options["quiet"] or options["verbosity"] == 0
        if options["scale"] < 1:
            raise CommandError("--scale must be at least 1")
        seeder = Seeder(
            options["seed"],
            options["scale"],
            detailed=options["detailed"],
            batch=options["batch"],
            log=(lambda m: None) if quiet else self.stdout.write,
        )
        try:
            seeder.prepare()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        activity = options["activity_producers"]
        if activity is None:
            activity = min(ACTIVITY_PRODUCERS, max(1, options["scale"] // 7))
        activity = 0 if options["no_activity"] else max(0, activity)
        phases = [
            ("demo province", seeder.total_organizations, "org", seeder.run),
            (f"plans {PLAN_YEAR}", None, "site", seeder.file_plans),
        ]
        if activity:
            phases.append(
                ("ledger year", activity, "producer", lambda: seeder.seed_activity(activity))
            )
        phases.append(("warnings", 1, "step", lambda: seed_warnings(seeder)))
        phases.append(("analytics", 1, "step", lambda: seed_analytics(seeder)))
        started = time.perf_counter()
        timings: list[str] = []
        for desc, total, unit, step in phases:
            bar = tqdm(
                total=total,
                unit=unit,
                desc=desc,
                disable=quiet,
                dynamic_ncols=True,
                mininterval=0.5,
            )

            def progress(n: int, label: str, bar: tqdm = bar) -> None:
                bar.set_postfix_str(label, refresh=False)
                bar.update(n)

            seeder.progress = progress
            phase_started = time.perf_counter()
            try:
                step()
            except (ValueError, RuntimeError) as exc:
                raise CommandError(str(exc)) from exc
            finally:
                bar.close()
            timings.append(f"{desc} {time.perf_counter() - phase_started:.1f} s")
        elapsed = time.perf_counter() - started
        created, present = seeder.created, seeder.present
        if quiet:
            return
        kinds = sorted(set(created) | set(present))
        summary = ", ".join(
            f"{k} +{created[k]}" + (f" ({present[k]} present)" if present[k] else "") for k in kinds
        )
        if sum(created.values()):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo province (seed {options['seed']}, scale "
                    f"{options['scale']}) built in {elapsed:.1f} s ({', '.join(timings)}): {summary}."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo province already present (seed {options['seed']}, scale "
                    f"{options['scale']}); nothing to add."
                )
            )
        self._accounts_table()

    def _accounts_table(self) -> None:
        password = demo_password()
        rows = [("username", "role", "organisation", "password")]
        rows += [
            (a["username"], a["role_zh"], a["organization"] or "—", password) for a in DEMO_ACCOUNTS
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write("Demo accounts / 演示账号:")
        for n, row in enumerate(rows):
            self.stdout.write(
                "  "
                + "  ".join(
                    cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
                )
            )
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
