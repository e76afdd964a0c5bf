"""Editions of 《国家危险废物名录》, their categories and waste codes, and hazard parsing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import ProtectedError

from ..models import CatalogueEdition, WasteCategory, WasteCode
from .common import (
    DATA_DIR,
    LoadReport,
    ReferenceDataError,
    SectionResult,
    _audit,
    _changed_fields,
    _parse_bool,
    _parse_date,
    _parse_page,
    _sha256,
    read_csv,
)
from .exemptions import load_exemptions, parse_exemptions

CODE_RE = re.compile(r"^\d{3}-\d{3}-\d{2}$")
CATEGORY_RE = re.compile(r"^HW\d{2}$")

HAZARD_LETTERS = ("T", "C", "I", "R", "In")
HAZARD_FLAGS = {
    "T": "is_toxic",
    "C": "is_corrosive",
    "I": "is_ignitable",
    "R": "is_reactive",
    "In": "is_infectious",
}


# --- hazards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedHazard:
    printed: str
    mode: str  # "single" | "all" | "any"
    letters: tuple[str, ...]

    def flags(self) -> dict[str, bool]:
        return {flag: letter in self.letters for letter, flag in HAZARD_FLAGS.items()}


def parse_hazard(printed: str) -> ParsedHazard:
    """Parse 危险特性 as printed in the 名录 (note 1 of the table).

    ``"T,I"`` (the printed full-width comma is accepted too) → mode ``all``: has the first, may
    have the others; ``"T/C/I/R"`` → mode ``any``: has one or more of those listed; ``"In"`` →
    ``single``. Raises :class:`ValueError` for anything else.
    """
    text = (printed or "").strip().replace("，", ",").replace("／", "/").replace(" ", "")
    if not text:
        raise ValueError("hazard characteristics are empty")
    if "," in text and "/" in text:
        raise ValueError(f"{printed!r} mixes ',' and '/'")
    if "," in text:
        mode, parts = "all", text.split(",")
    elif "/" in text:
        mode, parts = "any", text.split("/")
    else:
        mode, parts = "single", [text]
    unknown = [p for p in parts if p not in HAZARD_LETTERS]
    if unknown:
        raise ValueError(
            f"{printed!r}: unknown hazard {', '.join(repr(u) for u in unknown)} (expected T, C, I, R, In)"
        )
    if len(set(parts)) != len(parts):
        raise ValueError(f"{printed!r} repeats a hazard")
    return ParsedHazard(printed=text, mode=mode, letters=tuple(parts))


# --- editions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionSpec:
    """One edition of 《国家危险废物名录》 and its files (a row of ``data/editions.csv``)."""

    code: str
    title: str
    effective_from: dt.date
    catalogue_file: Path
    exemption_file: Path | None = None
    decree: str = ""
    effective_until: dt.date | None = None
    is_current: bool = False
    source: str = ""


EDITION_COLUMNS = (
    "code",
    "title",
    "decree",
    "effective_from",
    "effective_until",
    "is_current",
    "catalogue_file",
    "exemption_file",
    "source",
)


def read_editions(path: Path | str | None = None) -> list[EditionSpec]:
    """The editions listed in ``editions.csv``; file names are relative to that file."""
    path = Path(path) if path else DATA_DIR / "editions.csv"
    specs = []
    seen: set[str] = set()
    current = 0
    for line, row in read_csv(path, EDITION_COLUMNS):
        code = row["code"]
        if not code or len(code) > 10:
            raise ReferenceDataError(
                "an edition code of 1-10 characters is required",
                file=path,
                line=line,
                column="code",
            )
        if code in seen:
            raise ReferenceDataError(
                f"edition {code} is listed twice", file=path, line=line, column="code"
            )
        seen.add(code)
        if not row["title"]:
            raise ReferenceDataError("a title is required", file=path, line=line, column="title")
        if not row["catalogue_file"]:
            raise ReferenceDataError(
                "a catalogue file is required", file=path, line=line, column="catalogue_file"
            )
        is_current = _parse_bool(row["is_current"], file=path, line=line, column="is_current")
        current += is_current
        specs.append(
            EditionSpec(
                code=code,
                title=row["title"],
                decree=row["decree"],
                effective_from=_parse_date(
                    row["effective_from"], file=path, line=line, column="effective_from"
                ),  # type: ignore[arg-type]
                effective_until=_parse_date(
                    row["effective_until"],
                    file=path,
                    line=line,
                    column="effective_until",
                    required=False,
                ),
                is_current=is_current,
                catalogue_file=path.parent / row["catalogue_file"],
                exemption_file=(path.parent / row["exemption_file"])
                if row["exemption_file"]
                else None,
                source=row["source"],
            )
        )
    if current > 1:
        raise ReferenceDataError(
            "more than one edition is marked current", file=path, column="is_current"
        )
    return specs


CATALOGUE_COLUMNS = (
    "waste_code",
    "category",
    "category_name",
    "industry_code3",
    "industry_source",
    "description",
    "hazard",
    "pdf_page",
)


@dataclass(frozen=True)
class _CodeRow:
    code: str
    category: str
    category_name: str
    industry_code: str
    industry_source: str
    description: str
    hazard: ParsedHazard
    page: int | None


def parse_catalogue(path: Path | str) -> tuple[dict[str, str], list[_CodeRow]]:
    """Check a catalogue CSV (the shape of ``hw_catalog_2021.csv``) and return
    ``({category code: name}, [code rows])``."""
    path = Path(path)
    categories: dict[str, str] = {}
    rows: list[_CodeRow] = []
    seen: dict[str, int] = {}
    for line, row in read_csv(path, CATALOGUE_COLUMNS):
        code, cat = row["waste_code"], row["category"]
        if not CODE_RE.match(code):
            raise ReferenceDataError(
                f"{code!r} is not a waste code NNN-NNN-NN",
                file=path,
                line=line,
                column="waste_code",
            )
        if code in seen:
            raise ReferenceDataError(
                f"{code} is listed twice (first on line {seen[code]})",
                file=path,
                line=line,
                column="waste_code",
            )
        seen[code] = line
        if not CATEGORY_RE.match(cat):
            raise ReferenceDataError(
                f"{cat!r} is not a category HWnn", file=path, line=line, column="category"
            )
        if code[-2:] != cat[2:]:
            raise ReferenceDataError(
                f"{code} ends in {code[-2:]} but its category is {cat}",
                file=path,
                line=line,
                column="category",
            )
        if not row["category_name"]:
            raise ReferenceDataError(
                "the category name is empty", file=path, line=line, column="category_name"
            )
        if categories.setdefault(cat, row["category_name"]) != row["category_name"]:
            raise ReferenceDataError(
                f"{cat} is named {row['category_name']!r} here and {categories[cat]!r} before",
                file=path,
                line=line,
                column="category_name",
            )
        if row["industry_code3"] != code[:3]:
            raise ReferenceDataError(
                f"industry code {row['industry_code3']!r} does not match {code}",
                file=path,
                line=line,
                column="industry_code3",
            )
        if not row["industry_source"]:
            raise ReferenceDataError(
                "the industry source is empty", file=path, line=line, column="industry_source"
            )
        if not row["description"]:
            raise ReferenceDataError(
                "the description is empty", file=path, line=line, column="description"
            )
        try:
            hazard = parse_hazard(row["hazard"])
        except ValueError as exc:
            raise ReferenceDataError(str(exc), file=path, line=line, column="hazard") from exc
        rows.append(
            _CodeRow(
                code=code,
                category=cat,
                category_name=row["category_name"],
                industry_code=code[:3],
                industry_source=row["industry_source"],
                description=row["description"],
                hazard=hazard,
                page=_parse_page(row["pdf_page"], file=path, line=line, column="pdf_page"),
            )
        )
    return categories, rows


def _upsert_edition(spec: EditionSpec, report: LoadReport) -> CatalogueEdition:
    result = report.add(SectionResult(f"edition {spec.code}"))
    values = {
        "title": spec.title,
        "decree": spec.decree,
        "effective_from": spec.effective_from,
        "effective_until": spec.effective_until,
        "is_current": spec.is_current,
        "source": spec.source,
    }
    edition = CatalogueEdition.objects.select_for_update().filter(code=spec.code).first()
    if edition is None:
        edition = CatalogueEdition.objects.create(code=spec.code, **values)
        result.created += 1
    elif changed := _changed_fields(edition, values):
        for name in changed:
            setattr(edition, name, values[name])
        edition.save(update_fields=changed)
        result.updated += 1
    else:
        result.unchanged += 1
    if spec.is_current:
        demoted = (
            CatalogueEdition.objects.filter(is_current=True)
            .exclude(pk=edition.pk)
            .update(is_current=False)
        )
        result.updated += demoted
    _audit(
        "catalog.edition_loaded",
        object_type="catalog.catalogueedition",
        object_id=str(edition.pk),
        object_repr=str(edition),
        result=result,
        edition=spec.code,
        is_current=spec.is_current,
    )
    return edition


def load_catalogue(
    edition: CatalogueEdition, path: Path | str, report: LoadReport | None = None
) -> LoadReport:
    """Load one edition's 附表 (categories and codes) from a catalogue CSV."""
    report = report if report is not None else LoadReport()
    path = Path(path)
    categories, rows = parse_catalogue(path)
    with transaction.atomic():
        cat_result = report.add(SectionResult(f"categories {edition.code}"))
        existing_cats = {c.code: c for c in WasteCategory.objects.filter(edition=edition)}
        new_cats = [
            WasteCategory(edition=edition, code=c, name=n)
            for c, n in categories.items()
            if c not in existing_cats
        ]
        WasteCategory.objects.bulk_create(new_cats)
        cat_result.created = len(new_cats)
        for c, name in categories.items():
            if c in existing_cats:
                obj = existing_cats[c]
                if obj.name != name:
                    obj.name = name
                    obj.save(update_fields=["name"])
                    cat_result.updated += 1
                else:
                    cat_result.unchanged += 1
        cats = {c.code: c for c in WasteCategory.objects.filter(edition=edition)}

        code_result = report.add(SectionResult(f"waste codes {edition.code}"))
        existing = {c.code: c for c in WasteCode.objects.filter(edition=edition)}
        to_create, to_update, update_fields = [], [], set()
        for r in rows:
            values = {
                "category_id": cats[r.category].pk,
                "industry_code": r.industry_code,
                "industry_source": r.industry_source,
                "description": r.description,
                "hazard": r.hazard.printed,
                "hazard_mode": r.hazard.mode,
                "source_page": r.page,
                **r.hazard.flags(),
            }
            obj = existing.get(r.code)
            if obj is None:
                to_create.append(WasteCode(edition=edition, code=r.code, **values))
            elif changed := _changed_fields(obj, values):
                for name in changed:
                    setattr(obj, name, values[name])
                to_update.append(obj)
                update_fields.update(changed)
            else:
                code_result.unchanged += 1
        WasteCode.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            WasteCode.objects.bulk_update(to_update, sorted(update_fields), batch_size=500)
        code_result.created, code_result.updated = len(to_create), len(to_update)

        listed = {r.code for r in rows}
        stale = [c for code, c in existing.items() if code not in listed]
        for obj in stale:
            try:
                with transaction.atomic():
                    obj.delete()
            except ProtectedError as exc:
                raise ReferenceDataError(
                    f"{obj.code} is no longer in the file but records use it; "
                    "put it back or move those records to another code first",
                    file=path,
                ) from exc
        code_result.deleted = len(stale)
        stale_cats = [c for code, c in cats.items() if code not in categories]
        for cat in stale_cats:
            try:
                with transaction.atomic():
                    cat.delete()
            except ProtectedError as exc:
                raise ReferenceDataError(
                    f"category {cat.code} is no longer in the file but records use it", file=path
                ) from exc
        cat_result.deleted = len(stale_cats)

        combined = SectionResult(
            "catalogue",
            created=cat_result.created + code_result.created,
            updated=cat_result.updated + code_result.updated,
            deleted=cat_result.deleted + code_result.deleted,
        )
        _audit(
            "catalog.catalogue_loaded",
            object_type="catalog.catalogueedition",
            object_id=str(edition.pk),
            object_repr=str(edition),
            result=combined,
            edition=edition.code,
            file=path.name,
            sha256=_sha256(path),
            categories=cat_result.as_dict(),
            codes=code_result.as_dict(),
        )
    return report


def load_edition(spec: EditionSpec, report: LoadReport | None = None) -> LoadReport:
    """Load one edition: its record, its catalogue and (if given) its exemption list."""
    report = report if report is not None else LoadReport()
    # Check the files before writing anything, so that a bad file fails fast.
    categories, rows = parse_catalogue(spec.catalogue_file)
    if spec.exemption_file is not None:
        parse_exemptions(spec.exemption_file, {r.code for r in rows}, categories)
    with transaction.atomic():
        edition = _upsert_edition(spec, report)
        load_catalogue(edition, spec.catalogue_file, report)
        if spec.exemption_file is not None:
            load_exemptions(edition, spec.exemption_file, report)
    return report
