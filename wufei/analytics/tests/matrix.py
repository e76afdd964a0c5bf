"""The analytics app's rows of the permission matrix (see core/tests/test_permission_matrix.py).

Aggregates are read by the bureaus covering the county (and platform administrators) and
written by the fold only; a producer's year row is also seen by the producer's staff;
official statistics are imported and corrected by the bureaus covering the region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from wufei.core.tests.matrix_world import ADMIN, COVERING, NOBODY, OWNER_STAFF, World

READ_ONLY = {"view": ADMIN | COVERING, "add": NOBODY, "change": NOBODY}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "analytics.dailyflow": READ_ONLY,
    "analytics.monthlyflow": READ_ONLY,
    "analytics.produceryear": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": NOBODY,
        "change": NOBODY,
    },
    "analytics.foldstate": {"view": ADMIN, "add": NOBODY, "change": NOBODY},
    "analytics.statisticsimport": {
        "view": ADMIN | COVERING,
        "add": ADMIN | COVERING,
        "change": NOBODY,
    },
    "analytics.regionstatistics": {
        "view": ADMIN | COVERING,
        "add": ADMIN | COVERING,
        "change": ADMIN | COVERING,
    },
}

FLOW = {
    "county_code": "330603",
    "city_code": "330600",
    "province_code": "330000",
    "hazardous": True,
    "category": "HW08",
    "waste_code": "900-249-08",
    "flow": "generated",
    "method": "",
    "tonnes": Decimal("1.5"),
}


def _daily(w: World) -> Any:
    from wufei.analytics.models import DailyFlow

    return DailyFlow(day=dt.date(2026, 3, 2), **FLOW)


def _monthly(w: World) -> Any:
    from wufei.analytics.models import MonthlyFlow

    return MonthlyFlow(month=dt.date(2026, 3, 1), **FLOW)


def _producer(w: World) -> Any:
    from wufei.analytics.models import ProducerYear

    return ProducerYear(
        organization=w.a,
        year=2026,
        county_code="330603",
        city_code="330600",
        province_code="330000",
        registered=True,
    )


def _fold_state(w: World) -> Any:
    from wufei.analytics.models import FoldState

    # The primary key is the name, so the matrix would not save it: saved here.
    return FoldState.objects.create(name="ledger", last_id=10)


def _import(w: World) -> Any:
    from wufei.analytics.models import StatisticsImport

    return StatisticsImport(
        file_name="统计.xlsx", sha256="a" * 64, source="统计局", region_prefix="330603", rows=1
    )


def _statistics(w: World) -> Any:
    from wufei.analytics.models import RegionStatistics

    return RegionStatistics(region=w.keqiao, year=2025, industrial_value_added=Decimal("1000"))


BUILDERS: dict[str, Any] = {
    "analytics.dailyflow": _daily,
    "analytics.monthlyflow": _monthly,
    "analytics.produceryear": _producer,
    "analytics.foldstate": _fold_state,
    "analytics.statisticsimport": _import,
    "analytics.regionstatistics": _statistics,
}
