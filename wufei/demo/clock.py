"""A settable clock for writing the demo's past through the actions.

The ledger and plan actions take the time of an event from ``django.utils.timezone.now()``
(entry times, batch numbers, codes, the audit log, ``auto_now`` fields), and refuse a
production date more than a year back. To record a year of activity as it would have been
recorded on the day, the demo sets the clock before each action::

    with DemoClock() as clock:
        clock.set(dt.datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI))
        actions.produce_container(...)

Inside the block ``timezone.now`` (and so ``timezone.localdate``) returns the time set last;
outside it, the real clock. The same patch as the tests' ``frozen`` (wufei/plans/tests/clock.py),
with one patch for the whole run instead of one per call.
"""

from __future__ import annotations

import datetime as dt
from types import TracebackType
from unittest import mock

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class DemoClock:
    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = (start or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        self._patch = mock.patch("django.utils.timezone.now", side_effect=lambda: self.now)

    def set(self, when: dt.datetime) -> dt.datetime:
        if when.tzinfo is None:
            raise ValueError("the demo clock needs an aware datetime")
        self.now = when.astimezone(dt.UTC)
        return when

    def __enter__(self) -> DemoClock:
        self._patch.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._patch.stop()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """``day`` at ``hour:minute`` Shanghai time."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
