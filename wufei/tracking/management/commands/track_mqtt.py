"""``manage.py track_mqtt``: subscribe to ``wufei/track/+`` on the MQTT broker and store points."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from wufei.tracking.mqtt import DEFAULT_PREFIX, Subscriber


class Command(BaseCommand):
    help = "Store the track points that terminals publish to the MQTT broker (JSON payloads)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("WUFEI_MQTT_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("WUFEI_MQTT_PORT", "1883"))
        )
        parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="topic prefix")
        parser.add_argument("--client-id", default="wufei-track-ingest")
        parser.add_argument("--share-group", default="", help="shared subscription group")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--flush-seconds", type=float, default=0.5)
        parser.add_argument(
            "--seconds", type=float, default=None, help="stop after this many seconds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("wufei.tracking.mqtt").setLevel(logging.INFO)
        subscriber = Subscriber(
            host=options["host"],
            port=options["port"],
            prefix=options["prefix"].rstrip("/"),
            client_id=options["client_id"],
            share_group=options["share_group"],
            batch_size=options["batch_size"],
            flush_seconds=options["flush_seconds"],
            username=os.environ.get("WUFEI_MQTT_USER", ""),
            password=os.environ.get("WUFEI_MQTT_PASSWORD", ""),
        )
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write(
            f"subscribed to {subscriber.topic} on {options['host']}:{options['port']}"
        )
        try:
            stats = subscriber.run(stop, seconds=options["seconds"])
        except KeyboardInterrupt:
            stats = subscriber.stats
        self.stdout.write(
            f"stopped: {stats.messages} messages ({stats.bad_messages} bad), {stats.points} "
            f"points: {stats.accepted} stored, {stats.duplicates} duplicates, "
            f"{stats.rejected} refused"
        )
