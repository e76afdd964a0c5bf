import datetime as dt
from decimal import Decimal

import pytest

from wufei.plans import declarations as d

D = dt.date


def test_periods_by_class():
    assert [str(p) for p in d.periods_for("registered", 2026)] == ["2026"]
    simplified = d.periods_for("simplified", 2026)
    assert [str(p) for p in simplified] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026"]
    key = d.periods_for("key", 2026)
    assert len(key) == 13 and str(key[0]) == "2026-01"


@pytest.mark.parametrize(
    "period, start, end, deadline",
    [
        (d.Period("monthly", 2026, 1), D(2026, 1, 1), D(2026, 2, 1), D(2026, 2, 15)),
        (d.Period("monthly", 2026, 12), D(2026, 12, 1), D(2027, 1, 1), D(2027, 1, 15)),
        (d.Period("quarterly", 2026, 1), D(2026, 1, 1), D(2026, 4, 1), D(2026, 4, 15)),
        (d.Period("quarterly", 2026, 4), D(2026, 10, 1), D(2027, 1, 1), D(2027, 1, 15)),
        (d.Period("annual", 2026), D(2026, 1, 1), D(2027, 1, 1), D(2027, 3, 31)),
    ],
)
def test_period_bounds_and_deadlines(period, start, end, deadline):
    assert (period.start, period.end, period.deadline) == (start, end, deadline)
    assert not period.is_overdue(deadline)
    assert period.is_overdue(deadline + dt.timedelta(days=1))
    assert not period.is_overdue(deadline + dt.timedelta(days=30), declared_on=deadline)


def test_due_periods():
    due = d.due_periods("simplified", D(2026, 4, 20))
    assert [str(p) for p in due] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025", "2026Q1"]


def test_ledger_interface_refuses_without_a_ledger():
    period = d.Period("annual", 2026)
    installed = d._provider  # the ledger app's, registered in LedgerConfig.ready()
    d.register_ledger_totals(None)
    try:
        with pytest.raises(d.LedgerUnavailable):
            d.ledger_totals(None, period)
    finally:
        d.register_ledger_totals(installed)
    seen = []

    def fake(site, start, end):
        seen.append((start, end))
        return [d.WasteTotals("900-249-08", Decimal("1"), Decimal("0"), Decimal("0"), Decimal("1"))]

    d.register_ledger_totals(fake)
    try:
        assert d.ledger_totals("site", period)[0].generated == Decimal("1")
        assert seen == [(D(2026, 1, 1), D(2027, 1, 1))]
    finally:
        d.register_ledger_totals(installed)
    assert d.has_ledger()


@pytest.mark.parametrize(
    "kind, text, expected",
    [
        ("monthly", "2026-02", d.Period("monthly", 2026, 2)),
        ("monthly", "2026-13", None),
        ("quarterly", "2026Q3", d.Period("quarterly", 2026, 3)),
        ("quarterly", "2026-q4", d.Period("quarterly", 2026, 4)),
        ("quarterly", "2026Q5", None),
        ("annual", "2025", d.Period("annual", 2025)),
        ("annual", "20x5", None),
        ("monthly", "2026", None),
    ],
)
def test_parse_period(kind, text, expected):
    assert d.parse_period(kind, text) == expected


@pytest.mark.parametrize(
    "kind, today, expected",
    [
        ("monthly", D(2026, 1, 5), "2025-12"),
        ("monthly", D(2026, 3, 1), "2026-02"),
        ("quarterly", D(2026, 2, 10), "2025Q4"),
        ("quarterly", D(2026, 4, 1), "2026Q1"),
        ("quarterly", D(2026, 12, 31), "2026Q3"),
        ("annual", D(2026, 1, 1), "2025"),
    ],
)
def test_last_closed_period(kind, today, expected):
    assert str(d.last_closed_period(kind, today)) == expected
