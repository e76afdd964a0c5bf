"""``manage.py jt808_gateway --port 808``: serve JT/T 808 vehicle terminals over TCP."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.core.management.base import BaseCommand

from wufei.tracking.jt808.server import Gateway


class Command(BaseCommand):
    help = "Run the JT/T 808-2019 gateway: terminals register, authenticate and report positions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 — a server for terminals
        parser.add_argument("--port", type=int, default=808)
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help="stop after this many seconds (tests, benchmarks); default: run until stopped",
        )
        parser.add_argument("--idle-timeout", type=float, default=600.0)

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("wufei.tracking.jt808").setLevel(logging.INFO)
        asyncio.run(self._run(options))

    async def _run(self, options: dict[str, Any]) -> None:
        gateway = Gateway(options["host"], options["port"], idle_timeout=options["idle_timeout"])
        await gateway.start()
        self.stdout.write(f"jt808 gateway listening on {options['host']}:{gateway.port}")
        try:
            if options["seconds"] is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(options["seconds"])
        finally:
            await gateway.stop()
            self.stdout.write(
                "stopped: {frames} frames, {bad_frames} bad, {points} points stored, "
                "{connections} connections".format(**gateway.stats)
            )
