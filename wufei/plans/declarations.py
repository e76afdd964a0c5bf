"""Declarations (申报, HJ 1259-2022 §7): periods, deadlines and the ledger interface.

The figures of a declaration (Tables C.1–C.3: generation, own utilisation/disposal, sent out by
receiver and method, storage at the start and end of the period) come from the ledger app, which
provides them through :class:`LedgerTotals` once it exists. Until then nothing here invents a
figure: :func:`ledger_totals` raises ``LedgerUnavailable`` when no provider is registered. The
ledger registers ``wufei.ledger.totals.totals`` in its ``AppConfig.ready()``. The
``Declaration`` model, its actions and pages are described in docs/declarations.md.

Periods by management class (§7):

| class | periods | deadline |
|---|---|---|
| key (重点监管) | monthly + annual | 15th of the next month; 31 March of the next year |
| simplified (简化管理) | quarterly + annual | 15th of the month after the quarter; 31 March |
| registered (登记管理) | annual | 31 March of the next year |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.registry.models import ManagementClass


class PeriodKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly (月度)")
    QUARTERLY = "quarterly", _("Quarterly (季度)")
    ANNUAL = "annual", _("Annual (年度)")


#: HJ 1259 §7: the declaration periods of each management class.
PERIODS_BY_CLASS: dict[str, tuple[str, ...]] = {
    ManagementClass.KEY: (PeriodKind.MONTHLY, PeriodKind.ANNUAL),
    ManagementClass.SIMPLIFIED: (PeriodKind.QUARTERLY, PeriodKind.ANNUAL),
    ManagementClass.REGISTERED: (PeriodKind.ANNUAL,),
}

DEADLINE_DAY = 15  # monthly and quarterly: by the 15th of the following month
ANNUAL_DEADLINE = (3, 31)  # annual: by 31 March of the following year


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class Period:
    """One declaration period: ``number`` is the month (1–12), the quarter (1–4) or 0 (year)."""

    kind: str
    year: int
    number: int = 0

    @property
    def start(self) -> dt.date:
        if self.kind == PeriodKind.MONTHLY:
            return dt.date(self.year, self.number, 1)
        if self.kind == PeriodKind.QUARTERLY:
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period (exclusive)."""
        if self.kind == PeriodKind.MONTHLY:
            y, m = _next_month(self.year, self.number)
            return dt.date(y, m, 1)
        if self.kind == PeriodKind.QUARTERLY:
            y, m = _next_month(self.year, 3 * self.number)
            return dt.date(y, m, 1)
        return dt.date(self.year + 1, 1, 1)

    @property
    def deadline(self) -> dt.date:
        if self.kind == PeriodKind.ANNUAL:
            return dt.date(self.year + 1, *ANNUAL_DEADLINE)
        return self.end.replace(day=DEADLINE_DAY)

    def is_overdue(self, today: dt.date, declared_on: dt.date | None = None) -> bool:
        """Late if confirmed after the deadline, or not confirmed and the deadline has passed."""
        return (declared_on or today) > self.deadline

    def __str__(self) -> str:
        if self.kind == PeriodKind.MONTHLY:
            return f"{self.year}-{self.number:02d}"
        if self.kind == PeriodKind.QUARTERLY:
            return f"{self.year}Q{self.number}"
        return str(self.year)


def periods_for(management_class: str, year: int) -> list[Period]:
    """Every declaration period of ``year`` for a unit of ``management_class``."""
    out: list[Period] = []
    for kind in PERIODS_BY_CLASS.get(management_class, (PeriodKind.ANNUAL,)):
        if kind == PeriodKind.MONTHLY:
            out += [Period(kind, year, m) for m in range(1, 13)]
        elif kind == PeriodKind.QUARTERLY:
            out += [Period(kind, year, q) for q in range(1, 5)]
        else:
            out.append(Period(kind, year))
    return out


def parse_period(kind: str, text: Any) -> Period | None:
    """``2026-02`` (monthly), ``2026Q1`` / ``2026-Q1`` (quarterly), ``2026`` (annual); else None."""
    raw = str(text or "").strip().upper().replace("-Q", "Q")
    try:
        if kind == PeriodKind.MONTHLY and len(raw) == 7 and raw[4] == "-":
            year, number = int(raw[:4]), int(raw[5:])
            return Period(kind, year, number) if 1 <= number <= 12 else None
        if kind == PeriodKind.QUARTERLY and len(raw) == 6 and raw[4] == "Q":
            year, number = int(raw[:4]), int(raw[5:])
            return Period(kind, year, number) if 1 <= number <= 4 else None
        if kind == PeriodKind.ANNUAL and len(raw) == 4:
            return Period(kind, int(raw))
    except ValueError:
        return None
    return None


def last_closed_period(kind: str, today: dt.date) -> Period:
    """The latest period of ``kind`` that has ended by ``today``."""
    if kind == PeriodKind.MONTHLY:
        year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        return Period(kind, year, month)
    if kind == PeriodKind.QUARTERLY:
        quarter = (today.month - 1) // 3  # the quarter before the current one (0 = last year's Q4)
        return (
            Period(kind, today.year - 1, 4) if quarter == 0 else Period(kind, today.year, quarter)
        )
    return Period(PeriodKind.ANNUAL, today.year - 1)


def due_periods(management_class: str, today: dt.date) -> list[Period]:
    """The periods that have ended by ``today`` (this year's and last year's), oldest first."""
    periods = periods_for(management_class, today.year - 1) + periods_for(
        management_class, today.year
    )
    return sorted((p for p in periods if p.end <= today), key=lambda p: (p.deadline, p.kind))


# --- plan vs actual ---------------------------------------------------------------------------

#: A period's generation above this factor × the plan's annual estimate pro-rated to the period
#: is flagged (``WUFEI["DECLARATION_OVERRUN_FACTOR"]`` in the settings overrides it).
OVERRUN_FACTOR = Decimal("1.2")

#: The share of the year a period covers (to pro-rate the plan's annual estimate).
YEAR_SHARE: dict[str, Decimal] = {
    PeriodKind.MONTHLY: Decimal(1) / Decimal(12),
    PeriodKind.QUARTERLY: Decimal(1) / Decimal(4),
    PeriodKind.ANNUAL: Decimal(1),
}


def overrun_factor() -> Decimal:
    from django.conf import settings

    value = getattr(settings, "WUFEI", {}).get("DECLARATION_OVERRUN_FACTOR")
    return Decimal(str(value)) if value not in (None, "") else OVERRUN_FACTOR


# --- the ledger interface ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShippedTotal:
    """委托外单位利用/处置 in a period: one receiver and method (Table C, 委外 columns).

    ``province`` is the receiver's 省(区、市) name when the ledger can tell it (from the
    registry's permit), else empty: it is never guessed.
    """

    province: str
    receiver_name: str
    permit_number: str  # 许可证编号 / 豁免单位编号 / 出口核准通知单编号
    method_code: str
    tonnes: Decimal
    receiver_type: str = ""


@dataclass(frozen=True)
class MethodTotal:
    """自行利用/处置 in a period by one method (HJ 1033 Appendix F code, e.g. R9, D10)."""

    method_code: str
    tonnes: Decimal


@dataclass(frozen=True)
class WasteTotals:
    """One waste code's figures for a site and period (Tables C.1–C.3)."""

    waste_code: str
    generated: Decimal
    own_treated: Decimal
    storage_start: Decimal
    storage_end: Decimal
    shipped: tuple[ShippedTotal, ...] = field(default_factory=tuple)
    own_by_method: tuple[MethodTotal, ...] = field(default_factory=tuple)
    waste_name: str = ""  # the catalogue (名录) description
    category: str = ""  # HW08


class LedgerTotals(Protocol):
    """What the ledger app provides: the totals of ``site`` for ``[start, end)``."""

    def __call__(self, site: Any, start: dt.date, end: dt.date) -> list[WasteTotals]: ...


_provider: LedgerTotals | None = None


class LedgerUnavailable(RuntimeError):
    """No ledger is connected: a declaration cannot be computed (and is never guessed)."""


def register_ledger_totals(provider: LedgerTotals | None) -> None:
    """Called by the ledger app's ``AppConfig.ready()``."""
    global _provider
    _provider = provider


def has_ledger() -> bool:
    return _provider is not None


def ledger_totals_between(site: Any, start: dt.date, end: dt.date) -> list[WasteTotals]:
    """The ledger's figures of ``site`` for ``[start, end)``; ``LedgerUnavailable`` without one."""
    if _provider is None:
        raise LedgerUnavailable("no ledger is installed: declarations need the ledger app")
    return _provider(site, start, end)


def ledger_totals(site: Any, period: Period) -> list[WasteTotals]:
    return ledger_totals_between(site, period.start, period.end)
