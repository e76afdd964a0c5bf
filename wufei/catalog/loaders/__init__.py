"""Loaders for the reference data in ``catalog/data/`` (the only writers of catalogue rows).

Every loader parses and checks its whole file first, then writes the differences to the
database in one transaction, and appends one audit event per edition or file that changed
(actor ``system:load_reference_data``). Running a loader twice changes nothing the second
time. A file with any bad row raises :class:`ReferenceDataError` (naming file, line and
column) and loads nothing; :func:`load_all` runs every loader in one transaction, so one bad
file leaves the whole database as it was.

Editions of 《国家危险废物名录》 are data: ``data/editions.csv`` lists each edition with its
decree, dates and the two files (the list and its 豁免管理清单). Adding the 2025 edition is a
new row there plus two CSV files of the same shape as the 2021 ones; see docs/catalog.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import transaction

from .catalogue import (
    CATALOGUE_COLUMNS,
    CATEGORY_RE,
    CODE_RE,
    EDITION_COLUMNS,
    HAZARD_FLAGS,
    HAZARD_LETTERS,
    EditionSpec,
    ParsedHazard,
    load_catalogue,
    load_edition,
    parse_catalogue,
    parse_hazard,
    read_editions,
)
from .common import (
    ACTOR,
    DATA_DIR,
    LoadReport,
    ReferenceDataError,
    SectionResult,
    read_csv,
)
from .exemptions import (
    CATEGORY_IN_TEXT_RE,
    CODE_IN_TEXT_RE,
    EXEMPTION_COLUMNS,
    STAGE_SUSPENDS,
    STAGES,
    load_exemptions,
    parse_exemptions,
    parse_stage,
    parse_targets,
)
from .regions import LEVEL_RANK, PARENT_LEVEL, REGION_CODE_RE, load_regions, parse_regions
from .simple import load_general_waste_categories, load_treatment_methods

__all__ = [
    "ACTOR",
    "CATALOGUE_COLUMNS",
    "CATEGORY_IN_TEXT_RE",
    "CATEGORY_RE",
    "CODE_IN_TEXT_RE",
    "CODE_RE",
    "DATA_DIR",
    "EDITION_COLUMNS",
    "EXEMPTION_COLUMNS",
    "HAZARD_FLAGS",
    "HAZARD_LETTERS",
    "LEVEL_RANK",
    "PARENT_LEVEL",
    "REGION_CODE_RE",
    "SECTIONS",
    "STAGES",
    "STAGE_SUSPENDS",
    "EditionSpec",
    "LoadReport",
    "ParsedHazard",
    "ReferenceDataError",
    "SectionResult",
    "load_all",
    "load_catalogue",
    "load_edition",
    "load_exemptions",
    "load_general_waste_categories",
    "load_regions",
    "load_treatment_methods",
    "parse_catalogue",
    "parse_exemptions",
    "parse_hazard",
    "parse_regions",
    "parse_stage",
    "parse_targets",
    "read_csv",
    "read_editions",
]

SECTIONS = ("catalogue", "methods", "general", "regions")


def load_all(
    data_dir: Path | str | None = None,
    *,
    only: Iterable[str] | None = None,
    editions_file: Path | str | None = None,
    log: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load every reference data file in one transaction (one bad file → nothing loaded)."""
    base = Path(data_dir) if data_dir else DATA_DIR
    wanted = set(only or SECTIONS)
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise ReferenceDataError(
            f"unknown section(s): {', '.join(sorted(unknown))} (expected {', '.join(SECTIONS)})"
        )
    report = LoadReport()
    with transaction.atomic():
        if "catalogue" in wanted:
            specs = read_editions(editions_file or base / "editions.csv")
            # Load the current edition last, so that it stays the one marked current.
            for spec in sorted(specs, key=lambda s: (s.is_current, s.effective_from)):
                load_edition(spec, report)
        if "methods" in wanted:
            load_treatment_methods(base / "treatment_methods.csv", report)
        if "general" in wanted:
            load_general_waste_categories(base / "general_waste_categories.csv", report)
        if "regions" in wanted:
            load_regions(
                base / "provinces.csv",
                sorted(base.glob("*_divisions.csv")),
                sorted(base.glob("*_divisions.geojson")),
                report,
            )
    if log:
        for line in report.lines():
            log(line)
    return report
