"""The supervision app's rows of the permission matrix (see core/tests/test_permission_matrix.py).

A warning about organisation A: A's staff with write roles see it (they must answer a
rectification), readers and drivers do not; the bureaus covering its area see and act."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wufei.core.tests.matrix_world import ADMIN, COVERING, NOBODY, OWNER_WRITE, World, _saved

EXPECTED: dict[str, dict[str, set[str]]] = {
    "supervision.warning": {
        "view": ADMIN | OWNER_WRITE | COVERING,
        "add": NOBODY,
        "change": OWNER_WRITE | COVERING,
    },
    "supervision.warningnote": {
        "view": ADMIN | OWNER_WRITE | COVERING,
        "add": OWNER_WRITE | COVERING,
        "change": NOBODY,
    },
}


def _warning(w: World) -> Any:
    from wufei.supervision.models import Warning

    return Warning(
        rule="storage.over_year",
        fact_key="container:1",
        severity="red",
        title="贮存超期",
        organization=w.a,
        region=w.keqiao,
        raised_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )


def _note(w: World) -> Any:
    from wufei.supervision.models import WarningNote

    return WarningNote(
        warning=_saved(_warning(w)), kind="comment", text="现场核实", organization=w.a
    )


BUREAU = {"view": ADMIN | COVERING, "add": COVERING, "change": COVERING}
EXPECTED.update(
    {
        "supervision.clue": BUREAU,
        "supervision.cluematch": {"view": ADMIN | COVERING, "add": NOBODY, "change": NOBODY},
        "supervision.clueattachment": {"view": ADMIN | COVERING, "add": COVERING, "change": NOBODY},
        "supervision.publicreport": {"view": COVERING, "add": NOBODY, "change": COVERING},
        "supervision.case": {
            "view": ADMIN | OWNER_WRITE | COVERING,
            "add": COVERING,
            "change": OWNER_WRITE | COVERING,
        },
    }
)


def _clue(w: World) -> Any:
    from wufei.supervision.models import Clue

    return Clue(
        number="XS2026000001",
        source="patrol",
        latitude=30.08,
        longitude=120.49,
        region=w.keqiao,
        observed_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        description="倾倒",
    )


def _match(w: World) -> Any:
    from wufei.manifests.tests.matrix import _manifest
    from wufei.supervision.models import ClueMatch
    from wufei.trips.models import Finding, Trip

    m = _saved(_manifest(w))
    trip = Trip.objects.create(
        manifest=m, vehicle=m.vehicle, window_start=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    f = Finding.objects.create(trip=trip, kind="long_stop", summary="40 min", fingerprint="m" * 64)
    return ClueMatch(clue=_saved(_clue(w)), finding=f, distance_m=120, hours_apart=1.5)


def _attachment(w: World) -> Any:
    from wufei.supervision.models import ClueAttachment

    return ClueAttachment(
        clue=_saved(_clue(w)), file="clues/x.jpg", sha256="a" * 64, content_type="image/jpeg"
    )


def _report(w: World) -> Any:
    from wufei.supervision.models import PublicReport

    return PublicReport(clue=_saved(_clue(w)), code_sha256="b" * 64, client_hash="c" * 64)


def _case(w: World) -> Any:
    from wufei.registry.models import Organization
    from wufei.supervision.models import Case

    return Case(
        number="AJ2026000001",
        region=w.keqiao,
        organization=w.a,
        bureau=Organization.objects.filter(is_regulator=True).first(),
        title="非法倾倒案",
        opened_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )


BUILDERS: dict[str, Any] = {
    "supervision.warning": _warning,
    "supervision.warningnote": _note,
    "supervision.clue": _clue,
    "supervision.cluematch": _match,
    "supervision.clueattachment": _attachment,
    "supervision.publicreport": _report,
    "supervision.case": _case,
}
