"""The in-process scheduler of the embedded default (no Celery beat, no broker).

``CELERY_BEAT_SCHEDULE`` is the one list of periodic jobs. In production Celery beat runs it;
on a laptop (`python3 dev.py demo`) the web process runs it in a daemon thread, started when
``WUFEI_SCHEDULER=inline`` and no broker is configured. Each job runs in the thread, one at a
time, through the task's ``apply()`` (so the same code path as a worker); a failing job is
logged and retried at its next interval; nothing is persisted (a restart runs each job once
soon after start).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    task: str
    every_s: float
    next_at: float
    runs: int = 0
    failures: int = 0
    last_error: str = ""


@dataclass
class Scheduler:
    schedule: dict[str, dict[str, Any]]
    clock: Callable[[], float] = time.monotonic
    first_delay_s: float = 30.0
    jobs: list[Job] = field(default_factory=list)

    def __post_init__(self) -> None:
        now = self.clock()
        for name, entry in sorted(self.schedule.items()):
            every = entry["schedule"]
            every_s = float(every.total_seconds() if hasattr(every, "total_seconds") else every)
            self.jobs.append(Job(name, entry["task"], every_s, now + self.first_delay_s))

    def run_pending(self) -> list[str]:
        """Run the jobs that are due now; returns their names."""
        from celery import current_app

        ran = []
        for job in self.jobs:
            now = self.clock()
            if now < job.next_at:
                continue
            job.next_at = now + job.every_s
            try:
                current_app.tasks[job.task].apply(throw=True)
                job.runs += 1
            except Exception as exc:  # noqa: BLE001 - a job never stops the scheduler
                job.failures += 1
                job.last_error = repr(exc)[:300]
                log.exception("scheduled job %s failed", job.name)
            ran.append(job.name)
        return ran

    def loop(self, stop: threading.Event, tick_s: float = 5.0) -> None:
        while not stop.is_set():
            self.run_pending()
            stop.wait(tick_s)


_started: threading.Event | None = None


def start_in_background() -> threading.Event | None:
    """Start the scheduler thread once per process (the web process of the embedded default)."""
    global _started
    if _started is not None:
        return _started
    from django.conf import settings

    if getattr(settings, "CELERY_BROKER_URL", ""):
        return None
    stop = threading.Event()
    scheduler = Scheduler(dict(getattr(settings, "CELERY_BEAT_SCHEDULE", {})))
    thread = threading.Thread(
        target=scheduler.loop, args=(stop,), name="wufei-scheduler", daemon=True
    )
    thread.start()
    log.info("in-process scheduler started with %d jobs", len(scheduler.jobs))
    _started = stop
    return stop
