"""The tracking app's rows of the permission matrix (see core/tests/test_permission_matrix.py).

The row is a track point / terminal of a vehicle of organisation A (the carrier). Points are
evidence: carriers add them, nobody changes them, not even a platform administrator.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from wufei.core.tests.matrix_world import ADMIN, COVERING, NOBODY, OWNER_STAFF, OWNER_WRITE, World

EXPECTED: dict[str, dict[str, set[str]]] = {
    "tracking.trackpoint": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": NOBODY,
    },
    "tracking.terminal": {
        "view": ADMIN | OWNER_STAFF | COVERING,
        "add": ADMIN | OWNER_WRITE,
        "change": ADMIN | OWNER_WRITE,
    },
}


def _vehicle(w: World) -> Any:
    from wufei.registry.models import Vehicle

    return Vehicle.objects.create(
        organization=w.a,
        plate="浙D80808",
        transport_permit_no="330600808080",
        load_limit_tonnes=Decimal("10"),
    )


def _point(w: World) -> Any:
    from wufei.tracking.models import TrackPoint

    at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    return TrackPoint(
        vehicle=_vehicle(w), at=at, lat=30.08, lon=120.49, source="http", received_at=at
    )


def _terminal(w: World) -> Any:
    from wufei.tracking.models import Terminal

    return Terminal(phone="13800008080", vehicle=_vehicle(w))


BUILDERS: dict[str, Any] = {
    "tracking.trackpoint": _point,
    "tracking.terminal": _terminal,
}
