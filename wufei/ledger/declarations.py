"""The ledger's figures for declarations (申报, HJ 1259 §7, Tables C.1–C.3).

:func:`totals` implements ``wufei.plans.declarations.LedgerTotals``: per waste code of a
site, for ``[start, end)`` in Shanghai dates, the generation, the own utilisation/disposal, the
quantities sent out (by receiver and method) and the storage at the start and the end.
A reversing entry counts with the kind of the entry it cancels (its quantity is negative).
Not registered yet: ``plans.tests.test_declarations`` still expects no provider, so the
wiring (``register_ledger_totals(totals)`` in ``LedgerConfig.ready()``) waits for the plans app
to change that test (see docs/ledger.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from wufei.plans.declarations import ShippedTotal, WasteTotals

from .models import EntryKind, LedgerEntry, WasteKind

ZERO = Decimal("0")


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def totals(site: Any, start: dt.date, end: dt.date) -> list[WasteTotals]:
    begin, finish = _midnight(start), _midnight(end)
    rows = (
        LedgerEntry.objects.filter(site=site, container__kind=WasteKind.HAZARDOUS, at__lt=finish)
        .select_related("container__waste_code", "reversal_of", "method")
        .order_by("at", "pk")
    )
    generated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    treated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    stock_start: dict[str, Decimal] = defaultdict(lambda: ZERO)
    stock_end: dict[str, Decimal] = defaultdict(lambda: ZERO)
    shipped: dict[str, dict[tuple[str, str, str], Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    codes: set[str] = set()
    for e in rows:
        source = e.reversal_of if e.kind == EntryKind.REVERSAL and e.reversal_of else e
        waste = e.container.waste_code
        code = waste.code if waste is not None else ""
        qty = e.quantity_tonnes
        in_period = e.at >= begin
        sign = {EntryKind.STORED_IN: 1, EntryKind.STORED_OUT: -1}.get(source.kind, 0)  # type: ignore[call-overload]
        if sign:
            stock_end[code] += sign * qty
            if not in_period:
                stock_start[code] += sign * qty
        if not in_period:
            if sign:
                codes.add(code)
            continue
        codes.add(code)
        if source.kind == EntryKind.PRODUCED:
            generated[code] += qty
        elif source.kind == EntryKind.SELF_TREATED:
            treated[code] += qty
        elif source.kind == EntryKind.SHIPPED:
            key = (
                source.receiver_name,
                source.receiver_permit_number,
                source.method.code if source.method else "",
            )
            shipped[code][key] += qty
    return [
        WasteTotals(
            waste_code=code,
            generated=generated[code],
            own_treated=treated[code],
            storage_start=stock_start[code],
            storage_end=stock_end[code],
            shipped=tuple(
                ShippedTotal("", name, permit, method, tonnes)
                for (name, permit, method), tonnes in sorted(shipped[code].items())
                if tonnes
            ),
        )
        for code in sorted(codes)
    ]
