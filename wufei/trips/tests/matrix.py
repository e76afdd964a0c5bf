"""The trips app's rows of the permission matrix (see core/tests/test_permission_matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wufei.core.tests.matrix_world import (
    ADMIN,
    COVERING,
    NOBODY,
    OWNER_STAFF,
    OWNER_WRITE,
    SIGNED_IN,
    World,
    _saved,
)
from wufei.manifests.tests.matrix import _manifest

READ_ONLY = {
    "view": ADMIN | OWNER_STAFF | {"owner_driver"} | COVERING,
    "add": NOBODY,
    "change": NOBODY,
}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "trips.trip": READ_ONLY,
    "trips.finding": READ_ONLY,
    "trips.knownplace": {
        "view": SIGNED_IN,
        "add": ADMIN | OWNER_WRITE | COVERING,
        "change": ADMIN | OWNER_WRITE | COVERING,
    },
}


def _trip(w: World) -> Any:
    from wufei.trips.models import Trip

    m = _saved(_manifest(w))
    return Trip(manifest=m, vehicle=m.vehicle, window_start=dt.datetime(2026, 3, 10, tzinfo=dt.UTC))


def _finding(w: World) -> Any:
    from wufei.trips.models import Finding

    return Finding(trip=_saved(_trip(w)), kind="long_stop", summary="45 min", fingerprint="f" * 64)


def _place(w: World) -> Any:
    from wufei.trips.models import KnownPlace

    return KnownPlace(
        name="甲公司停车场",
        kind="depot",
        latitude=30.0,
        longitude=120.5,
        organization=w.a,
        region=w.keqiao,
    )


BUILDERS: dict[str, Any] = {
    "trips.trip": _trip,
    "trips.finding": _finding,
    "trips.knownplace": _place,
}
