"""The in-process scheduler runs each beat job at its interval, survives a failing job."""

from __future__ import annotations

import pytest
from celery import shared_task

from wufei.core.scheduler import Scheduler

CALLS: list[str] = []


@shared_task(name="wufei.core.tests.test_scheduler.tick")
def tick() -> None:
    CALLS.append("tick")


@shared_task(name="wufei.core.tests.test_scheduler.boom")
def boom() -> None:
    raise RuntimeError("boom")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def reset():
    CALLS.clear()


def test_jobs_run_at_their_interval():
    clock = Clock()
    s = Scheduler(
        {"t": {"task": "wufei.core.tests.test_scheduler.tick", "schedule": 60}},
        clock=clock,
        first_delay_s=10,
    )
    assert s.run_pending() == []
    clock.now += 10
    assert s.run_pending() == ["t"]
    assert s.run_pending() == []
    clock.now += 59
    assert s.run_pending() == []
    clock.now += 1
    assert s.run_pending() == ["t"]
    assert CALLS == ["tick", "tick"]


def test_a_failing_job_is_recorded_and_the_others_still_run():
    clock = Clock()
    s = Scheduler(
        {
            "a": {"task": "wufei.core.tests.test_scheduler.boom", "schedule": 60},
            "b": {"task": "wufei.core.tests.test_scheduler.tick", "schedule": 60},
        },
        clock=clock,
        first_delay_s=0,
    )
    assert s.run_pending() == ["a", "b"]
    failed = next(j for j in s.jobs if j.name == "a")
    assert failed.failures == 1 and "boom" in failed.last_error
    assert CALLS == ["tick"]


def test_the_projects_schedule_names_only_registered_tasks(settings):
    import importlib

    from django.apps import apps

    from wufei.celery import app

    for config in apps.get_app_configs():
        if config.name.startswith("wufei."):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
