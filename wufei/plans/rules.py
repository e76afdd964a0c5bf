"""The HJ 1259-2022 rules the plans app applies, each in one place.

- which plan tables (A.1–A.7) apply to which management class (§5, Appendix A);
- the filing deadline (31 March of the plan's year, §5.1) and the 备案编号 format;
- the declaration periods and deadlines by management class (§7).

The filing-number layout is the platform's own (the national system's is not published):
``GF`` + plan year (4) + the site's region code (6, GB/T 2260) + a serial per region and year
(5). Change it here only.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from wufei.core.numbering import format_serial, next_number
from wufei.registry.models import ManagementClass

#: The plan tables of HJ 1259-2022 Appendix A.
TABLES: dict[str, object] = {
    "A.1": _("Basic information (A.1)"),
    "A.2": _("Facilities (A.2)"),
    "A.3": _("Generation (A.3)"),
    "A.4": _("Storage (A.4)"),
    "A.5": _("Own utilisation/disposal (A.5)"),
    "A.6": _("Reduction plan and measures (A.6)"),
    "A.7": _("Transfer (A.7)"),
}

#: HJ 1259-2022 §5.2: the tables a plan contains, by management class.
SECTIONS: dict[str, frozenset[str]] = {
    ManagementClass.KEY: frozenset({"A.1", "A.2", "A.3", "A.4", "A.5", "A.6", "A.7"}),
    ManagementClass.SIMPLIFIED: frozenset({"A.1", "A.3", "A.4", "A.6", "A.7"}),
    ManagementClass.REGISTERED: frozenset({"A.1", "A.3", "A.7"}),
}


def sections_for(management_class: str) -> frozenset[str]:
    """The tables a plan of this class contains (the registration set when unknown)."""
    return SECTIONS.get(management_class, SECTIONS[ManagementClass.REGISTERED])


def filing_deadline(year: int) -> dt.date:
    """HJ 1259 §5.1: the plan for ``year`` is filed by 31 March of that year."""
    return dt.date(year, 3, 31)


FILING_PREFIX = "GF"
FILING_SERIAL_WIDTH = 5


def filing_number(region_code: str, year: int) -> str:
    """The next 备案编号 for a site in ``region_code`` (6 digits): GF + year + region + serial.

    Consumes a number from ``core.numbering`` (scope ``plan:<region>``): call it inside the
    filing transaction, so that a rolled-back filing does not consume a number.
    """
    serial = next_number(f"plan:{region_code}", year)
    return format_serial(f"{FILING_PREFIX}{year}{region_code}", serial, FILING_SERIAL_WIDTH)
