"""The ledger's figures for declarations (申报, HJ 1259 §7, Tables C.1–C.3).

:func:`totals` implements ``wufei.plans.declarations.LedgerTotals`` and is registered by
``LedgerConfig.ready()``. For one site and ``[start, end)`` (Asia/Shanghai dates), per
hazardous waste code: the generation (产生), the own utilisation/disposal (自行利用/处置) by
method, the quantities sent out (委外) by receiver and method, and what is in storage at the
start and the end of the period (入库 − 出库 up to that moment).

Reversals (冲销) are netted: a reversing entry counts with the kind, the time and the
receiver of the entry it cancels and with its own (negative) quantity, so an entry and its
reversal cancel out in whatever period the original fell — the ledger's mistake never
happened. A declaration generated before the reversal then differs from the ledger, which
``plans.declarations_queries.is_stale`` shows. Everything is summed in the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, F, Q, Sum, When
from django.utils import timezone

from wufei.catalog.models import Region, WasteCode
from wufei.plans.declarations import MethodTotal, ShippedTotal, WasteTotals
from wufei.registry.models import Permit

from .models import EntryKind, LedgerEntry, WasteKind

ZERO = Decimal("0")
Q4 = Decimal("0.0001")

#: The fields a reversing entry takes from the entry it cancels.
_ORIGINAL = ("kind", "at", "receiver_name", "receiver_permit_number", "receiver_type")


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _effective(name: str, output: Any = None) -> Case:
    """The field of the original entry for a reversal, the entry's own otherwise."""
    return Case(
        When(kind=EntryKind.REVERSAL, then=F(f"reversal_of__{name}")),
        default=F(name),
        output_field=output,
    )


def _entries(site: Any) -> Any:
    return (
        LedgerEntry.objects.filter(site=site, container__kind=WasteKind.HAZARDOUS)
        .exclude(Q(kind=EntryKind.REVERSAL) & Q(reversal_of__isnull=True))
        .annotate(
            eff_kind=_effective("kind", CharField()),
            eff_at=_effective("at"),
            eff_receiver=_effective("receiver_name", CharField()),
            eff_permit=_effective("receiver_permit_number", CharField()),
            eff_receiver_type=_effective("receiver_type", CharField()),
            code=F("container__waste_code__code"),
            method_code=F("method__code"),
        )
    )


def _t(value: Any) -> Decimal:
    return (value or ZERO).quantize(Q4)


def _provinces(permits: set[str]) -> dict[str, str]:
    """The receiver's province name by permit number, from the registry's permits."""
    if not permits:
        return {}
    holders = dict(
        Permit.objects.filter(number__in=permits).values_list(
            "number", "organization__region__code"
        )
    )
    names = dict(
        Region.objects.filter(
            code__in={f"{code[:2]}0000" for code in holders.values()}
        ).values_list("code", "name")
    )
    return {number: names.get(f"{code[:2]}0000", "") for number, code in holders.items()}


def totals(site: Any, start: dt.date, end: dt.date) -> list[WasteTotals]:
    begin, finish = _midnight(start), _midnight(end)
    entries = _entries(site).filter(eff_at__lt=finish)
    storage = (
        entries.filter(eff_kind__in=[EntryKind.STORED_IN, EntryKind.STORED_OUT])
        .values("code", "eff_kind")
        .annotate(
            opening=Sum("quantity_tonnes", filter=Q(eff_at__lt=begin)),
            closing=Sum("quantity_tonnes"),
        )
    )
    opening: dict[str, Decimal] = defaultdict(lambda: ZERO)
    closing: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in storage:
        sign = 1 if row["eff_kind"] == EntryKind.STORED_IN else -1
        opening[row["code"]] += sign * _t(row["opening"])
        closing[row["code"]] += sign * _t(row["closing"])

    flows = (
        entries.filter(
            eff_at__gte=begin,
            eff_kind__in=[EntryKind.PRODUCED, EntryKind.SELF_TREATED, EntryKind.SHIPPED],
        )
        .values(
            "code", "eff_kind", "method_code", "eff_receiver", "eff_permit", "eff_receiver_type"
        )
        .annotate(tonnes=Sum("quantity_tonnes"))
    )
    generated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    own: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    shipped: dict[str, dict[tuple[str, str, str, str], Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    for row in flows:
        code, tonnes = row["code"], _t(row["tonnes"])
        if row["eff_kind"] == EntryKind.PRODUCED:
            generated[code] += tonnes
        elif row["eff_kind"] == EntryKind.SELF_TREATED:
            own[code][row["method_code"] or ""] += tonnes
        else:
            key = (
                row["eff_receiver"] or "",
                row["eff_permit"] or "",
                row["eff_receiver_type"] or "",
                row["method_code"] or "",
            )
            shipped[code][key] += tonnes

    provinces = _provinces({k[1] for by in shipped.values() for k in by if k[1]})
    codes = sorted(
        c
        for c in set(opening) | set(closing) | set(generated) | set(own) | set(shipped)
        if opening[c]
        or closing[c]
        or generated[c]
        or any(own[c].values())
        or any(shipped[c].values())
    )
    names = _catalogue(codes)
    out = []
    for code in codes:
        own_lines = tuple(MethodTotal(m, t) for m, t in sorted(own[code].items()) if t)
        sent = tuple(
            ShippedTotal(
                province=provinces.get(permit, ""),
                receiver_name=name,
                permit_number=permit,
                method_code=method,
                tonnes=t,
                receiver_type=rtype,
            )
            for (name, permit, rtype, method), t in sorted(shipped[code].items())
            if t
        )
        out.append(
            WasteTotals(
                waste_code=code,
                generated=generated[code],
                own_treated=sum((m.tonnes for m in own_lines), ZERO),
                storage_start=opening[code],
                storage_end=closing[code],
                shipped=sent,
                own_by_method=own_lines,
                waste_name=names.get(code, ("", ""))[0],
                category=names.get(code, ("", ""))[1],
            )
        )
    return out


def _catalogue(codes: list[str]) -> dict[str, tuple[str, str]]:
    """(description, category) by code, from the newest catalogue edition that has it."""
    found: dict[str, tuple[str, str]] = {}
    rows = (
        WasteCode.objects.filter(code__in=codes)
        .order_by("code", "-edition__effective_from")
        .values_list("code", "description", "category__code")
    )
    for code, description, category in rows:
        found.setdefault(code, (description, category))
    return found
