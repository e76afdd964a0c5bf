"""Send the webhook deliveries that are due (retries included): what the periodic
``deliver_due`` task does on Celery beat, for the embedded mode without a broker."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from wufei.notifications import delivery


class Command(BaseCommand):
    help = "Send due webhook deliveries once, or every --loop seconds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=int, default=0, help="repeat every N seconds (0: once and exit)"
        )

    def handle(self, *args, **options):
        while True:
            done = delivery.deliver_due()
            self.stdout.write(f"webhooks: {done} deliveries attempted")
            if options["loop"] <= 0:
                return
            time.sleep(options["loop"])
