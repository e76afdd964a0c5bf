"""Field parsers for ledger import rows: fast, cached where values repeat, each raising
:class:`BadValue` with a stable code and a translated message (the row report's text)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from ..excel import PACKAGE_TEXT
from ..models import PackageType

TONNE = Decimal("0.0001")
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)

#: Volume assumed when the file has no 容器/包装容积（L） column (the Appendix B tables do not
#: carry it); used only for the plausible-weight check and the container row.
DEFAULT_VOLUME: dict[str, Decimal] = {
    PackageType.DRUM: Decimal("200.0"),
    PackageType.IBC: Decimal("1000.0"),
    PackageType.BAG: Decimal("50.0"),
    PackageType.BULK_BAG: Decimal("1000.0"),
    PackageType.BOX: Decimal("100.0"),
    PackageType.TANK: Decimal("1000.0"),
    PackageType.PALLET: Decimal("1000.0"),
    PackageType.BULK: Decimal("1000.0"),
    PackageType.OTHER: Decimal("200.0"),
}
PACKAGES: dict[str, str] = {v: k for k, v in PACKAGE_TEXT.items()} | {
    str(p): str(p) for p in PackageType.values
}
UNITS = {"": Decimal(1), "吨": Decimal(1), "t": Decimal(1), "千克": Decimal("0.001"),
         "公斤": Decimal("0.001"), "kg": Decimal("0.001")}  # fmt: skip


class BadValue(Exception):
    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


_times: dict[str, dt.datetime] = {}


def parse_time(value: Any, field: str = "time") -> dt.datetime:
    """``2026-03-02 09:30`` (the export's format), ISO 8601 with or without offset, a date,
    ``2026/03/02 09:30``, or an Excel date cell; naive times are Asia/Shanghai."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=TZ)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=TZ)
    s = str(value or "").strip()
    found = _times.get(s)
    if found is not None:
        return found
    try:
        if len(s) == 16 and s[4] == "-" and s[10] == " " and s[13] == ":":
            try:  # the export's format: C-fast, and the same datetime as the fields below
                if s[7] != "-":  # not a week date (2026-W10-1), which fromisoformat reads
                    raise ValueError(s)
                found = dt.datetime.fromisoformat(s).replace(tzinfo=TZ)
            except ValueError:
                found = dt.datetime(
                    int(s[0:4]),
                    int(s[5:7]),
                    int(s[8:10]),
                    int(s[11:13]),
                    int(s[14:16]),
                    tzinfo=TZ,
                )
        else:
            found = dt.datetime.fromisoformat(s.replace("/", "-"))
            if found.tzinfo is None:
                found = found.replace(tzinfo=TZ)
    except ValueError:
        raise BadValue(
            field,
            "ledger.import_time",
            _("Enter the time as YYYY-MM-DD HH:MM (e.g. 2026-03-02 09:30).")
            if s
            else _("This column is required."),
        ) from None
    if len(_times) < 200_000:
        _times[s] = found
    return found


_tonnes: dict[tuple[str, str], Decimal] = {}


def parse_tonnes(value: Any, unit: Any, field: str = "quantity") -> Decimal:
    """A quantity in 吨 (default) or 千克, as tonnes with 4 decimals; must be more than 0."""
    key = (str(value).strip(), str(unit or "").strip().lower())
    found = _tonnes.get(key)
    if found is not None:
        return found
    factor = UNITS.get(key[1])
    if factor is None:
        raise BadValue("unit", "ledger.import_unit", _("The unit must be 吨 (t) or 千克 (kg)."))
    try:
        number = Decimal(key[0])
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not key[0]:
        raise BadValue(field, "ledger.import_required", _("This column is required."))
    if not number.is_finite():
        raise BadValue(field, "ledger.import_number", _("Enter a number."))
    if number < 0:
        raise BadValue(
            field,
            "ledger.import_reversal",
            _(
                "Negative quantities (冲销 reversals) are not imported: leave out the cancelled "
                "row and its reversal."
            ),
        )
    tonnes = (number * factor).quantize(TONNE)
    if tonnes <= 0 or tonnes > Decimal("100000"):
        raise BadValue(
            field, "ledger.import_number", _("Enter a quantity above 0 and at most 100,000 t.")
        )
    if len(_tonnes) < 100_000:
        _tonnes[key] = tonnes
    return tonnes


def parse_package(value: Any) -> str:
    found = PACKAGES.get(str(value or "").strip().lower()) or PACKAGES.get(str(value).strip())
    if found is None:
        raise BadValue(
            "package_type",
            "ledger.import_package",
            _("Enter the package type: 桶, 吨桶, 袋, 吨袋, 箱, 罐, 托盘, 散装 or 其他."),
        )
    return found


def parse_count(value: Any) -> int:
    s = str(value or "").strip()
    if not s:
        return 1
    try:
        count = int(s)
    except ValueError:
        count = 0
    if not 1 <= count <= 10000:
        raise BadValue(
            "count", "ledger.count_invalid", _("Enter the number of packages (1 to 10,000).")
        )
    return count


def parse_volume(value: Any, package: str) -> Decimal:
    s = str(value or "").strip()
    if not s:
        return DEFAULT_VOLUME.get(package, DEFAULT_VOLUME[PackageType.OTHER])
    try:
        volume = Decimal(s)
    except (InvalidOperation, ValueError):
        volume = Decimal(-1)
    if not volume.is_finite() or volume <= 0 or volume > 100000:
        raise BadValue(
            "volume_litres",
            "ledger.volume_invalid",
            _("Enter the container volume in litres (more than 0, at most 100,000)."),
        )
    return volume.quantize(Decimal("0.1"))


def parse_text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    s = str(value or "").strip()
    if required and not s:
        raise BadValue(field, "ledger.import_required", _("This column is required."))
    if len(s) > max_length:
        raise BadValue(
            field,
            "ledger.import_too_long",
            _("At most %(n)d characters.") % {"n": max_length},
        )
    return s
