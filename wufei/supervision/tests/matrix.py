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


BUILDERS: dict[str, Any] = {"supervision.warning": _warning, "supervision.warningnote": _note}
