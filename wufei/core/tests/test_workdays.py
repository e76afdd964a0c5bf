"""Working days on the Chinese calendar, with 调休 make-up days."""

import datetime as dt

from wufei.core.workdays import add_workdays, is_known, is_workday, workdays_between

D = dt.date


def test_plain_week():
    # Monday 2025-03-03 + 5 working days = Monday 2025-03-10.
    assert add_workdays(D(2025, 3, 3), 5) == D(2025, 3, 10)
    assert add_workdays(D(2025, 3, 3), 0) == D(2025, 3, 3)


def test_national_day_holiday_and_makeup_sunday_2024():
    # 2024: 10-01..10-07 off; Sunday 09-29 and Saturday 10-12 are 调休 working days.
    assert is_workday(D(2024, 9, 29)) is True
    assert is_workday(D(2024, 10, 3)) is False
    assert is_workday(D(2024, 10, 12)) is True
    # Arrival Friday 2024-09-27: 5 working days = 09-29 (Sun), 09-30, 10-08, 10-09, 10-10.
    assert add_workdays(D(2024, 9, 27), 5) == D(2024, 10, 10)


def test_spring_festival_2025():
    # 2025 Spring Festival: 01-28..02-04 off; 01-26 (Sun) and 02-08 (Sat) are working days.
    assert is_workday(D(2025, 1, 26)) and is_workday(D(2025, 2, 8))
    assert add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)


def test_backwards_and_between():
    assert add_workdays(D(2024, 10, 10), -5) == D(2024, 9, 27)
    assert workdays_between(D(2024, 9, 27), D(2024, 10, 10)) == 5
    assert workdays_between(D(2024, 10, 10), D(2024, 9, 27)) == 0


def test_unknown_year_falls_back_to_weekdays():
    far = D(2099, 6, 1)  # a Monday
    assert is_known(far) is False
    assert is_known(D(2025, 6, 3)) is True
    assert add_workdays(far, 5) == D(2099, 6, 8)
