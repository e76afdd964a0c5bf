"""Numbers the ledger gives out: batch numbers (HJ 1259 Appendix B), HJ 1276 identification
codes and general-waste lot codes. Each pattern lives in one function here.

Batch number (批次编码) = prefix + YYYYMMDD + 3-digit sequence per organisation, prefix and day
(``core.numbering``), e.g. ``HWCS20211031001``. Prefixes, hazardous waste (notes to HJ 1259
Tables B.1–B.5): HWCS 产生, HWRK 入库, HWCK 出库, HWZXLY / HWZXCZ 自行利用 / 处置, HWWWLY /
HWWWCZ 委外利用 / 处置. General industrial solid waste (2021 ledger guide, 生态环境部公告2021年
第82号 [S]): CS 产生, CC 出厂 (sent out), CZ 自行利用/处置; the guide has no storage stage of
its own, so the ledger uses JS (接收, into storage) and YC (运出, out of storage) [M].
Reversing entries (冲销) are not named by the guides: HWCX / CX [M].
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from wufei.core.errors import Conflict
from wufei.core.numbering import format_serial, next_number
from wufei.labels.ident import make_ident_code

from .models import Container, EntryKind, WasteKind

HAZARDOUS_PREFIXES = {
    EntryKind.PRODUCED: "HWCS",
    EntryKind.STORED_IN: "HWRK",
    EntryKind.STORED_OUT: "HWCK",
    (EntryKind.SELF_TREATED, "utilisation"): "HWZXLY",
    (EntryKind.SELF_TREATED, "disposal"): "HWZXCZ",
    (EntryKind.SHIPPED, "utilisation"): "HWWWLY",
    (EntryKind.SHIPPED, "disposal"): "HWWWCZ",
    EntryKind.REVERSAL: "HWCX",
}
GENERAL_PREFIXES = {
    EntryKind.PRODUCED: "CS",
    EntryKind.STORED_IN: "JS",
    EntryKind.STORED_OUT: "YC",
    EntryKind.SELF_TREATED: "CZ",
    EntryKind.SHIPPED: "CC",
    EntryKind.REVERSAL: "CX",
}
SEQUENCE_WIDTH = 3


def batch_prefix(kind: str, waste_kind: str, treatment: str = "") -> str:
    """The prefix for an entry: ``treatment`` is ``utilisation`` or ``disposal`` for own and
    sent-out treatment of hazardous waste (LY / CZ)."""
    if waste_kind == WasteKind.GENERAL:
        return GENERAL_PREFIXES[EntryKind(kind)]
    if kind in (EntryKind.SELF_TREATED, EntryKind.SHIPPED):
        return HAZARDOUS_PREFIXES[
            (EntryKind(kind), "utilisation" if treatment == "utilisation" else "disposal")
        ]
    return HAZARDOUS_PREFIXES[EntryKind(kind)]


def batch_number(organization_id: int, prefix: str, day: dt.date) -> str:
    """``HWCS20211031001``: the next number of ``prefix`` for the organisation on ``day``.

    Must run inside the transaction that writes the entry (the number is consumed only if the
    entry commits). After 999 entries of one kind on one day the sequence grows a digit.
    """
    stamp = f"{day:%Y%m%d}"
    number = next_number(f"ledger:{organization_id}:{prefix}:{stamp}", day.year)
    return format_serial(f"{prefix}{stamp}", number, max(SEQUENCE_WIDTH, len(str(number))))


def container_code(container: Container) -> str:
    """The container's code: HJ 1276 数字识别码 (hazardous) or the lot code (general).

    Sequence per organisation, waste code and production day (``core.numbering``).
    """
    org = container.organization
    day = container.produced_on
    if container.kind == WasteKind.HAZARDOUS:
        assert container.waste_code is not None
        digits = container.waste_code.digits
        number = next_number(f"ident:{org.pk}:{digits}:{day:%Y%m%d}", day.year)
        if number > 999:
            raise Conflict(
                _(
                    "999 containers of %(code)s were already coded for %(day)s: the HJ 1276 "
                    "code has three digits for the sequence."
                )
                % {"code": container.waste_code.code, "day": day},
                code="ledger.ident_sequence_full",
            )
        return make_ident_code(org.uscc, container.waste_code.code, day, number)
    assert container.general_category is not None
    return general_lot_code(
        org.uscc,
        container.general_category.code_2021,
        day,
        next_number(f"lot:{org.pk}:{container.general_category.code_2021}:{day:%Y%m%d}", day.year),
    )


def general_lot_code(uscc: str, category: str, day: dt.date, sequence: int) -> str:
    """A general-waste lot code (not HJ 1276): USCC (18) + class (SW01) + YYYYMMDD + sequence
    (3 digits, more past 999), e.g. ``91330602000000001XSW0120260302001``."""
    width = max(SEQUENCE_WIDTH, len(str(sequence)))
    return format_serial(f"{uscc}{category}{day:%Y%m%d}", sequence, width)
