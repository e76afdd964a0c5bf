"""Working days (工作日) on the Chinese public-holiday calendar, with 调休 make-up days.

Deadlines in the rules are counted in working days: receipt within 5 working days of arrival
(令第23号 Art. 18), paper back-entry within 10 (Art. 20), the cross-province approval steps
(Art. 22–26). The calendar comes from the ``chinesecalendar`` package, which knows each year
once the State Council publishes it (each December). For a year it does not know yet we fall
back to Monday–Friday and say so (``is_known``), rather than guess holidays.
"""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar

log = logging.getLogger(__name__)


def is_known(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        log.warning("holiday calendar does not cover %s; counting Monday–Friday", day.year)
        return day.weekday() < 5


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The date ``n`` working days after ``start`` (``start`` itself is not counted).

    ``add_workdays(day, 0)`` is ``day``; negative ``n`` counts backwards.
    """
    if isinstance(start, dt.datetime):
        start = start.date()
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    while remaining:
        day += dt.timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
