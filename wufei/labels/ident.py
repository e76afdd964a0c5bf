"""HJ 1276-2022 digital identification code (数字识别码) of a hazardous-waste container.

**[M] Unverified split.** HJ 1276-2022 says the code has four segments and 37 characters:
① producer or collector code, ② waste code, ③ production or collection date,
④ sequence (REGULATIONS.md §2.1, from a secondary source). The split used here is the most
plausible one and has NOT been checked against the standard's Appendix A:

    91330100MA2XXXXXX0 | 90024908 | 20250115 | 001
    USCC (18)          | waste code, 8 digits without hyphens (8) | YYYYMMDD (8) | seq (3)

Everything that knows this layout lives in this module (``make_ident_code``,
``parse_ident_code``, ``is_valid_ident_code``, the ``SEGMENTS`` table), so that a correction
after reading the standard is a change to one file. See docs/labels.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as stdnum_uscc

from wufei.core.errors import ValidationFailed

IDENT_LENGTH = 37
# (part, start, end) — slices of the 37-character code. [M] see the module docstring.
SEGMENTS: tuple[tuple[str, int, int], ...] = (
    ("uscc", 0, 18),
    ("waste_code", 18, 26),
    ("date", 26, 34),
    ("sequence", 34, 37),
)
SEQUENCE_MIN, SEQUENCE_MAX = 1, 999
_WASTE_CODE = re.compile(r"^(\d{3})-?(\d{3})-?(\d{2})$")
_DIGITS = re.compile(r"^\d+$")


class IdentCodeError(ValidationFailed, ValueError):
    """A bad digital identification code or a bad part of one.

    ``part`` names the segment that is wrong: ``uscc``, ``waste_code``, ``date``,
    ``sequence`` or ``length``; ``code`` is the stable error code (``labels.ident_<part>``).
    The message is translated (Chinese by default).
    """

    default_code = "labels.ident_invalid"

    def __init__(self, part: str, message: Any, **details: Any) -> None:
        self.part = part
        super().__init__(
            message,
            code=f"labels.ident_{part}",
            field="ident_code",
            details={"part": part, **details},
        )


@dataclass(frozen=True)
class IdentParts:
    """The four segments of a digital identification code."""

    uscc: str  # 统一社会信用代码, 18 characters
    waste_code: str  # 废物代码, printed form NNN-NNN-NN
    produced_on: date  # 产生或收集日期
    sequence: int  # 废物顺序编码, 1..999

    @property
    def category(self) -> str:
        """废物类别 from the last two digits of the waste code, e.g. ``HW08``."""
        return "HW" + self.waste_code[-2:]

    @property
    def code(self) -> str:
        return make_ident_code(self.uscc, self.waste_code, self.produced_on, self.sequence)


def _clean_uscc(value: Any) -> str:
    raw = str(value or "").strip().upper()
    try:
        return stdnum_uscc.validate(raw)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise IdentCodeError(
            "uscc",
            _("The unified social credit code %(value)s has a wrong check digit.") % {"value": raw},
            value=raw,
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise IdentCodeError(
            "uscc",
            _("The unified social credit code %(value)s is not valid (18 characters, GB 32100).")
            % {"value": raw},
            value=raw,
        ) from exc


def clean_waste_code(value: Any) -> str:
    """Return the waste code as ``NNN-NNN-NN``; accepts it with or without hyphens."""
    raw = str(value or "").strip()
    match = _WASTE_CODE.match(raw)
    if not match or not 1 <= int(match.group(3)) <= 50:
        raise IdentCodeError(
            "waste_code",
            _(
                "The waste code %(value)s is not valid: it must be NNN-NNN-NN with a "
                "category HW01–HW50 in the last two digits."
            )
            % {"value": raw},
            value=raw,
        )
    return "-".join(match.groups())


def _clean_sequence(value: Any) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.match(value.strip()):
        number = int(value.strip())
    if number is None or not SEQUENCE_MIN <= number <= SEQUENCE_MAX:
        raise IdentCodeError(
            "sequence",
            _("The sequence number must be between 1 and 999 (got %(value)s).") % {"value": value},
            value=str(value),
        )
    return number


def make_ident_code(uscc: str, waste_code: str, produced_on: date, sequence: int) -> str:
    """Build the 37-character code: USCC (18) + waste code digits (8) + YYYYMMDD + sequence (3)."""
    clean_uscc = _clean_uscc(uscc)
    clean_code = clean_waste_code(waste_code)
    if not isinstance(produced_on, date):
        raise IdentCodeError(
            "date", _("The production date is missing or not a date."), value=str(produced_on)
        )
    seq = _clean_sequence(sequence)
    code = f"{clean_uscc}{clean_code.replace('-', '')}{produced_on:%Y%m%d}{seq:03d}"
    assert len(code) == IDENT_LENGTH
    return code


def parse_ident_code(code: Any) -> IdentParts:
    """Split and check a code; raises :class:`IdentCodeError` naming the wrong part."""
    raw = re.sub(r"\s+", "", str(code or "")).upper()
    if len(raw) != IDENT_LENGTH:
        raise IdentCodeError(
            "length",
            _("A digital identification code has 37 characters; this one has %(count)d.")
            % {"count": len(raw)},
            value=raw,
        )
    parts = {name: raw[start:end] for name, start, end in SEGMENTS}
    uscc = _clean_uscc(parts["uscc"])
    waste_code = clean_waste_code(parts["waste_code"])
    text = parts["date"]
    try:
        if not _DIGITS.match(text):
            raise ValueError(text)
        produced_on = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise IdentCodeError(
            "date",
            _("The date part %(value)s is not a valid date (YYYYMMDD).") % {"value": text},
            value=text,
        ) from exc
    if not _DIGITS.match(parts["sequence"]):
        raise IdentCodeError(
            "sequence",
            _("The sequence part %(value)s must be three digits.") % {"value": parts["sequence"]},
            value=parts["sequence"],
        )
    sequence = _clean_sequence(int(parts["sequence"]))
    return IdentParts(uscc=uscc, waste_code=waste_code, produced_on=produced_on, sequence=sequence)


def is_valid_ident_code(code: Any) -> bool:
    try:
        parse_ident_code(code)
    except IdentCodeError:
        return False
    return True
