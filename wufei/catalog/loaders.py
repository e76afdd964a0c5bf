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

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model, ProtectedError

from wufei.core import audit

from .models import (
    CatalogueEdition,
    Exemption,
    ExemptionStage,
    GeneralWasteCategory,
    Region,
    TreatmentMethod,
    Verification,
    WasteCategory,
    WasteCode,
)

ACTOR = "system:load_reference_data"
DATA_DIR = Path(__file__).resolve().parent / "data"

CODE_RE = re.compile(r"^\d{3}-\d{3}-\d{2}$")
CODE_IN_TEXT_RE = re.compile(r"\d{3}-\d{3}-\d{2}")
CATEGORY_RE = re.compile(r"^HW\d{2}$")
CATEGORY_IN_TEXT_RE = re.compile(r"HW\d{2}(?!\d)")
REGION_CODE_RE = re.compile(r"^\d{6}$")

HAZARD_LETTERS = ("T", "C", "I", "R", "In")
HAZARD_FLAGS = {
    "T": "is_toxic",
    "C": "is_corrosive",
    "I": "is_ignitable",
    "R": "is_reactive",
    "In": "is_infectious",
}

#: 豁免环节 as printed → :class:`ExemptionStage`.
STAGES = {
    "全部环节": ExemptionStage.ALL,
    "收集": ExemptionStage.COLLECTION,
    "运输": ExemptionStage.TRANSPORT,
    "利用": ExemptionStage.UTILISATION,
    "处置": ExemptionStage.DISPOSAL,
    "利用、处置": ExemptionStage.UTILISATION_DISPOSAL,
}

#: Which obligations an exemption at a stage suspends:
#: (suspends_manifest, suspends_permit, suspends_transport_rules).
#: Transport → no 联单 and not transported as HW; utilisation / disposal → no operating permit
#: for that step; collection → no collection permit (收集经营许可证); all stages → all three.
STAGE_SUSPENDS: dict[str, tuple[bool, bool, bool]] = {
    ExemptionStage.ALL: (True, True, True),
    ExemptionStage.COLLECTION: (False, True, False),
    ExemptionStage.TRANSPORT: (True, False, True),
    ExemptionStage.UTILISATION: (False, True, False),
    ExemptionStage.DISPOSAL: (False, True, False),
    ExemptionStage.UTILISATION_DISPOSAL: (False, True, False),
}


class ReferenceDataError(ValueError):
    """A reference data file is missing, malformed or inconsistent. Nothing was loaded."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message, self.file, self.line, self.column = message, file, line, column
        where = []
        if file is not None:
            where.append(Path(file).name)
        if line is not None:
            where.append(f"line {line}")
        if column:
            where.append(f"column {column!r}")
        self.text = f"{', '.join(where)}: {message}" if where else message
        super().__init__(self.text)

    def __str__(self) -> str:
        return self.text


# --- results ----------------------------------------------------------------------------


@dataclass
class SectionResult:
    """What one loader did: how many rows it created, updated, deleted or left unchanged."""

    name: str
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
        }

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.created} created, {self.updated} updated, "
            f"{self.deleted} deleted, {self.unchanged} unchanged"
        )


@dataclass
class LoadReport:
    sections: list[SectionResult] = field(default_factory=list)

    def add(self, result: SectionResult) -> SectionResult:
        self.sections.append(result)
        return result

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.sections)

    def __getitem__(self, name: str) -> SectionResult:
        for s in self.sections:
            if s.name == name:
                return s
        raise KeyError(name)

    def lines(self) -> list[str]:
        return [str(s) for s in self.sections]


# --- reading files ------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file_key(path: Path | str) -> tuple[str, int, int]:
    p = Path(path)
    if not p.is_file():
        raise ReferenceDataError("file not found", file=p)
    st = p.stat()
    return (str(p.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _read_csv_cached(
    key: tuple[str, int, int],
) -> tuple[tuple[str, ...], tuple[tuple[int, dict[str, str]], ...]]:
    path = Path(key[0])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(f"not UTF-8 text ({exc.reason})", file=path) from exc
    reader = csv.DictReader(text.splitlines())
    header = tuple(h.strip() for h in (reader.fieldnames or ()))
    rows = []
    for row in reader:
        if None in row:
            raise ReferenceDataError("more values than columns", file=path, line=reader.line_num)
        if all(not (v or "").strip() for v in row.values()):
            continue
        rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items()}))
    return header, tuple(rows)


def read_csv(path: Path | str, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a UTF-8 CSV file as ``(line number, {column: value})``, checked for the
    required columns. Parsed files are cached by path, size and modification time."""
    header, rows = _read_csv_cached(_file_key(path))
    missing = [c for c in required if c not in header]
    if missing:
        raise ReferenceDataError(f"missing column(s): {', '.join(missing)}", file=path, line=1)
    if not rows:
        raise ReferenceDataError("the file has no rows", file=path)
    return [(line, dict(row)) for line, row in rows]


@lru_cache(maxsize=8)
def _read_json_cached(key: tuple[str, int, int]) -> Any:
    path = Path(key[0])
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(f"not valid JSON ({exc})", file=path) from exc


def _parse_date(
    value: str, *, file: Path, line: int, column: str, required: bool = True
) -> dt.date | None:
    if not value:
        if required:
            raise ReferenceDataError("a date is required", file=file, line=line, column=column)
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ReferenceDataError(
            f"{value!r} is not a date (YYYY-MM-DD)", file=file, line=line, column=column
        ) from exc


def _parse_bool(value: str, *, file: Path, line: int, column: str) -> bool:
    v = value.strip().lower()
    if v in {"1", "true", "yes", "y", "是"}:
        return True
    if v in {"", "0", "false", "no", "n", "否"}:
        return False
    raise ReferenceDataError(
        f"{value!r} is not a yes/no value (1/0)", file=file, line=line, column=column
    )


def _parse_page(value: str, *, file: Path, line: int, column: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) > 32767:
        raise ReferenceDataError(
            f"{value!r} is not a page number", file=file, line=line, column=column
        )
    return int(value)


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


# --- generic upsert -----------------------------------------------------------------------


def _changed_fields(obj: Model, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


def _audit(
    action: str,
    *,
    object_type: str,
    object_id: str,
    object_repr: str,
    result: SectionResult,
    **extra: Any,
) -> None:
    if not result.changed:
        return
    audit.record(
        actor=ACTOR,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        after={**result.as_dict(), **extra},
        reason="reference data loaded from file",
    )


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


EXEMPTION_COLUMNS = (
    "seq",
    "category_or_codes",
    "waste",
    "exempt_stage",
    "exempt_condition",
    "exempt_content",
    "pdf_page",
)


def parse_stage(printed: str) -> str:
    """豁免环节 as printed → :class:`ExemptionStage` value (raises ValueError)."""
    text = (
        (printed or "")
        .strip()
        .replace(" ", "")
        .replace("，", "、")
        .replace(",", "、")
        .replace("/", "、")
    )
    text = {"处置、利用": "利用、处置", "全过程": "全部环节"}.get(text, text)
    if text not in STAGES:
        raise ValueError(f"unknown exempt stage {printed!r} (expected one of {', '.join(STAGES)})")
    return STAGES[text]


def parse_targets(
    text: str, codes: Iterable[str], categories: dict[str, str]
) -> tuple[list[str], list[str]]:
    """The ``category_or_codes`` column → (waste codes, category codes).

    Codes are ``;``-joined; ``HWnn`` names a category, and so does a category's printed name
    (``废酸``) or a text that starts with one. Anything else (``生活垃圾中的危险废物``, ``-``)
    links nothing and is kept as printed. Raises ValueError for a code not in the edition.
    """
    known_codes = set(codes)
    by_name = {name: code for code, name in categories.items()}
    found_codes: list[str] = []
    found_cats: list[str] = []
    for token in re.split(r"[;；]", text or ""):
        token = token.strip()
        if not token or token in {"-", "—", "/"}:
            continue
        token_codes = CODE_IN_TEXT_RE.findall(token)
        token_cats = CATEGORY_IN_TEXT_RE.findall(token)
        for c in token_codes:
            if c not in known_codes:
                raise ValueError(f"waste code {c} is not in this edition")
            if c not in found_codes:
                found_codes.append(c)
        for cat in token_cats:
            if cat not in categories:
                raise ValueError(f"category {cat} is not in this edition")
            if cat not in found_cats:
                found_cats.append(cat)
        if not token_codes and not token_cats:
            name_match = by_name.get(token) or next(
                (
                    code
                    for name, code in by_name.items()
                    if token.startswith(name) and len(name) >= 2
                ),
                None,
            )
            if name_match and name_match not in found_cats:
                found_cats.append(name_match)
    return found_codes, found_cats


@dataclass(frozen=True)
class _ExemptionRow:
    row: int
    item: int
    category_text: str
    waste: str
    stage: str
    stage_text: str
    condition: str
    content: str
    page: int | None
    codes: tuple[str, ...]
    categories: tuple[str, ...]


def parse_exemptions(
    path: Path | str, codes: Iterable[str], categories: dict[str, str]
) -> list[_ExemptionRow]:
    """Check an exemption CSV (the shape of ``hw_exemption_2021.csv``) against an edition's
    codes and categories."""
    path = Path(path)
    codes = set(codes)
    out = []
    for n, (line, row) in enumerate(read_csv(path, EXEMPTION_COLUMNS), start=1):
        if not row["seq"].isdigit() or int(row["seq"]) < 1:
            raise ReferenceDataError(
                f"{row['seq']!r} is not an item number", file=path, line=line, column="seq"
            )
        try:
            stage = parse_stage(row["exempt_stage"])
        except ValueError as exc:
            raise ReferenceDataError(str(exc), file=path, line=line, column="exempt_stage") from exc
        try:
            found_codes, found_cats = parse_targets(row["category_or_codes"], codes, categories)
        except ValueError as exc:
            raise ReferenceDataError(
                str(exc), file=path, line=line, column="category_or_codes"
            ) from exc
        for column in ("category_or_codes", "waste", "exempt_content"):
            if not row[column]:
                raise ReferenceDataError("a value is required", file=path, line=line, column=column)
        if len(row["category_or_codes"]) > 300:
            raise ReferenceDataError(
                "longer than 300 characters", file=path, line=line, column="category_or_codes"
            )
        out.append(
            _ExemptionRow(
                row=n,
                item=int(row["seq"]),
                category_text=row["category_or_codes"],
                waste=row["waste"],
                stage=stage,
                stage_text=row["exempt_stage"],
                condition=row["exempt_condition"],
                content=row["exempt_content"],
                page=_parse_page(row["pdf_page"], file=path, line=line, column="pdf_page"),
                codes=tuple(found_codes),
                categories=tuple(found_cats),
            )
        )
    return out


def load_exemptions(
    edition: CatalogueEdition, path: Path | str, report: LoadReport | None = None
) -> LoadReport:
    """Load one edition's 豁免管理清单 (after its catalogue)."""
    report = report if report is not None else LoadReport()
    path = Path(path)
    code_objs = {c.code: c for c in WasteCode.objects.filter(edition=edition)}
    cat_objs = {c.code: c for c in WasteCategory.objects.filter(edition=edition)}
    rows = parse_exemptions(path, code_objs, {c: o.name for c, o in cat_objs.items()})
    with transaction.atomic():
        result = report.add(SectionResult(f"exemptions {edition.code}"))
        existing = {
            e.row: e
            for e in Exemption.objects.filter(edition=edition).prefetch_related(
                "codes", "categories"
            )
        }
        for r in rows:
            manifest, permit, transport = STAGE_SUSPENDS[r.stage]
            values = {
                "item": r.item,
                "category_text": r.category_text,
                "waste": r.waste,
                "stage": r.stage,
                "stage_text": r.stage_text,
                "condition": r.condition,
                "content": r.content,
                "source_page": r.page,
                "suspends_manifest": manifest,
                "suspends_permit": permit,
                "suspends_transport_rules": transport,
            }
            obj = existing.get(r.row)
            if obj is None:
                obj = Exemption.objects.create(edition=edition, row=r.row, **values)
                obj.codes.set([code_objs[c] for c in r.codes])
                obj.categories.set([cat_objs[c] for c in r.categories])
                result.created += 1
                continue
            changed = _changed_fields(obj, values)
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                obj.save(update_fields=changed)
            links_changed = False
            if {c.code for c in obj.codes.all()} != set(r.codes):
                obj.codes.set([code_objs[c] for c in r.codes])
                links_changed = True
            if {c.code for c in obj.categories.all()} != set(r.categories):
                obj.categories.set([cat_objs[c] for c in r.categories])
                links_changed = True
            if changed or links_changed:
                result.updated += 1
            else:
                result.unchanged += 1
        stale = [e for n, e in existing.items() if n > len(rows)]
        for e in stale:
            e.delete()
        result.deleted = len(stale)
        _audit(
            "catalog.exemptions_loaded",
            object_type="catalog.catalogueedition",
            object_id=str(edition.pk),
            object_repr=str(edition),
            result=result,
            edition=edition.code,
            file=path.name,
            sha256=_sha256(path),
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


# --- general waste classes and treatment methods -------------------------------------------


def _verified(value: str, *, file: Path, line: int) -> str:
    if value not in Verification.values:
        raise ReferenceDataError(
            f"{value!r} is not a verification mark (expected {', '.join(Verification.values)})",
            file=file,
            line=line,
            column="verified",
        )
    return value


def _load_simple(
    model: type[Model],
    key: str,
    path: Path,
    rows: list[dict[str, Any]],
    section: str,
    action: str,
    report: LoadReport,
) -> LoadReport:
    with transaction.atomic():
        result = report.add(SectionResult(section))
        existing = {getattr(o, key): o for o in model.objects.all()}  # type: ignore[attr-defined]
        for values in rows:
            k = values.pop(key)
            obj = existing.get(k)
            if obj is None:
                model.objects.create(**{key: k}, **values)  # type: ignore[attr-defined]
                result.created += 1
            elif changed := _changed_fields(obj, values):
                for name in changed:
                    setattr(obj, name, values[name])
                obj.save(update_fields=changed)
                result.updated += 1
            else:
                result.unchanged += 1
        _audit(
            action,
            object_type=model._meta.label_lower,
            object_id=path.name,
            object_repr=path.name,
            result=result,
            file=path.name,
            sha256=_sha256(path),
        )
    return report


def load_general_waste_categories(
    path: Path | str | None = None, report: LoadReport | None = None
) -> LoadReport:
    """一般工业固体废物 classes (SWxx / Sxx) with their ``verified`` mark."""
    report = report if report is not None else LoadReport()
    path = Path(path) if path else DATA_DIR / "general_waste_categories.csv"
    rows, seen = [], set()
    for line, row in read_csv(path, ("code_2021", "code_2024", "name", "verified")):
        code = row["code_2021"]
        if not re.fullmatch(r"SW\d{2}", code):
            raise ReferenceDataError(
                f"{code!r} is not a class code SWnn", file=path, line=line, column="code_2021"
            )
        if code in seen:
            raise ReferenceDataError(
                f"{code} is listed twice", file=path, line=line, column="code_2021"
            )
        seen.add(code)
        if row["code_2024"] and not re.fullmatch(r"S\d{2}", row["code_2024"]):
            raise ReferenceDataError(
                f"{row['code_2024']!r} is not a class code Snn",
                file=path,
                line=line,
                column="code_2024",
            )
        if not row["name"]:
            raise ReferenceDataError("the name is empty", file=path, line=line, column="name")
        rows.append(
            {
                "code_2021": code,
                "code_2024": row["code_2024"],
                "name": row["name"],
                "verified": _verified(row["verified"], file=path, line=line),
            }
        )
    return _load_simple(
        GeneralWasteCategory,
        "code_2021",
        path,
        rows,
        "general waste classes",
        "catalog.general_waste_loaded",
        report,
    )


def load_treatment_methods(
    path: Path | str | None = None, report: LoadReport | None = None
) -> LoadReport:
    """利用/处置方式 codes with their kind and ``verified`` mark."""
    report = report if report is not None else LoadReport()
    path = Path(path) if path else DATA_DIR / "treatment_methods.csv"
    rows, seen = [], set()
    for line, row in read_csv(path, ("code", "kind", "name", "verified")):
        code = row["code"]
        if not re.fullmatch(r"[A-Z]{1,2}\d{1,3}", code):
            raise ReferenceDataError(
                f"{code!r} is not a method code (e.g. R4, D10)", file=path, line=line, column="code"
            )
        if code in seen:
            raise ReferenceDataError(f"{code} is listed twice", file=path, line=line, column="code")
        seen.add(code)
        if row["kind"] not in TreatmentMethod.Kind.values:
            raise ReferenceDataError(
                f"{row['kind']!r} is not a kind (expected {', '.join(TreatmentMethod.Kind.values)})",
                file=path,
                line=line,
                column="kind",
            )
        if not row["name"]:
            raise ReferenceDataError("the name is empty", file=path, line=line, column="name")
        rows.append(
            {
                "code": code,
                "kind": row["kind"],
                "name": row["name"],
                "verified": _verified(row["verified"], file=path, line=line),
            }
        )
    return _load_simple(
        TreatmentMethod,
        "code",
        path,
        rows,
        "treatment methods",
        "catalog.treatment_methods_loaded",
        report,
    )


# --- regions ------------------------------------------------------------------------------

LEVEL_RANK: dict[str, int] = {
    Region.Level.PROVINCE: 0,
    Region.Level.CITY: 1,
    Region.Level.COUNTY: 2,
}
PARENT_LEVEL: dict[str, str] = {
    Region.Level.CITY: Region.Level.PROVINCE,
    Region.Level.COUNTY: Region.Level.CITY,
}


def _level_of_code(code: str) -> str:
    if code[2:] == "0000":
        return Region.Level.PROVINCE
    if code[4:] == "00":
        return Region.Level.CITY
    return Region.Level.COUNTY


def parse_regions(
    provinces_file: Path, divisions_files: Sequence[Path], geojson_files: Sequence[Path]
) -> list[dict[str, Any]]:
    """Check the region files and return one dict per region, parents before children."""
    regions: dict[str, dict[str, Any]] = {}
    for line, row in read_csv(provinces_file, ("code", "name")):
        code = row["code"]
        if not REGION_CODE_RE.match(code) or _level_of_code(code) != Region.Level.PROVINCE:
            raise ReferenceDataError(
                f"{code!r} is not a province code (NN0000)",
                file=provinces_file,
                line=line,
                column="code",
            )
        if code in regions:
            raise ReferenceDataError(
                f"{code} is listed twice", file=provinces_file, line=line, column="code"
            )
        if not row["name"]:
            raise ReferenceDataError(
                "the name is empty", file=provinces_file, line=line, column="name"
            )
        regions[code] = {
            "code": code,
            "name": row["name"],
            "level": Region.Level.PROVINCE,
            "parent_code": None,
        }
    for path in divisions_files:
        seen: set[str] = set()
        for line, row in read_csv(path, ("code", "name", "level", "parent_code")):
            code, level, parent = row["code"], row["level"], row["parent_code"] or None
            if not REGION_CODE_RE.match(code):
                raise ReferenceDataError(
                    f"{code!r} is not a 6-digit region code", file=path, line=line, column="code"
                )
            if code in seen:
                raise ReferenceDataError(
                    f"{code} is listed twice", file=path, line=line, column="code"
                )
            seen.add(code)
            if level not in LEVEL_RANK:
                raise ReferenceDataError(
                    f"{level!r} is not a level (province, city, county)",
                    file=path,
                    line=line,
                    column="level",
                )
            if _level_of_code(code) != level:
                raise ReferenceDataError(
                    f"{code} is not a {level} code", file=path, line=line, column="level"
                )
            if not row["name"]:
                raise ReferenceDataError("the name is empty", file=path, line=line, column="name")
            if level == Region.Level.PROVINCE:
                if parent:
                    raise ReferenceDataError(
                        "a province has no parent", file=path, line=line, column="parent_code"
                    )
                if code in regions and regions[code]["name"] != row["name"]:
                    raise ReferenceDataError(
                        f"{code} is named {row['name']!r} here and {regions[code]['name']!r} in {provinces_file.name}",
                        file=path,
                        line=line,
                        column="name",
                    )
            else:
                if not parent or parent not in regions:
                    raise ReferenceDataError(
                        f"parent {parent!r} is not listed before {code}",
                        file=path,
                        line=line,
                        column="parent_code",
                    )
                if regions[parent]["level"] != PARENT_LEVEL[level]:
                    raise ReferenceDataError(
                        f"the parent of {level} {code} must be a {PARENT_LEVEL[level]}, {parent} is a {regions[parent]['level']}",
                        file=path,
                        line=line,
                        column="parent_code",
                    )
                parent_prefix = Region.prefix_of(parent, regions[parent]["level"])
                if not code.startswith(parent_prefix):
                    raise ReferenceDataError(
                        f"{code} does not lie under {parent} (prefix {parent_prefix})",
                        file=path,
                        line=line,
                        column="parent_code",
                    )
            regions[code] = {
                "code": code,
                "name": row["name"],
                "level": level,
                "parent_code": parent,
            }
    for r in regions.values():
        r["prefix"] = Region.prefix_of(r["code"], r["level"])
        r["center_lon"] = r["center_lat"] = r["boundary"] = None
    for path in geojson_files:
        data = _read_json_cached(_file_key(path))
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise ReferenceDataError("not a GeoJSON FeatureCollection", file=path)
        for i, feature in enumerate(features, start=1):
            props = feature.get("properties") or {}
            code = str(props.get("code", ""))
            if code not in regions:
                raise ReferenceDataError(
                    f"feature {i}: region {code!r} is not in the region lists", file=path
                )
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict) or geometry.get("type") not in (
                "Polygon",
                "MultiPolygon",
            ):
                raise ReferenceDataError(
                    f"feature {i} ({code}): the geometry must be a Polygon or MultiPolygon",
                    file=path,
                )
            center = props.get("center")
            if center is not None:
                try:
                    lon, lat = float(center[0]), float(center[1])
                except (TypeError, ValueError, IndexError) as exc:
                    raise ReferenceDataError(
                        f"feature {i} ({code}): center must be [lon, lat]", file=path
                    ) from exc
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ReferenceDataError(
                        f"feature {i} ({code}): center {center} is out of range", file=path
                    )
                regions[code]["center_lon"], regions[code]["center_lat"] = lon, lat
            regions[code]["boundary"] = geometry
    return sorted(regions.values(), key=lambda r: (LEVEL_RANK[r["level"]], r["code"]))


def load_regions(
    provinces_file: Path | str | None = None,
    divisions_files: Sequence[Path | str] | None = None,
    geojson_files: Sequence[Path | str] | None = None,
    report: LoadReport | None = None,
) -> LoadReport:
    """行政区划: the 34 provincial-level divisions and the detailed divisions (Zhejiang's 11
    cities and 90 counties) with centre points and boundaries. Regions that are not in the
    files are left alone (records may point at them)."""
    report = report if report is not None else LoadReport()
    provinces_path = Path(provinces_file) if provinces_file else DATA_DIR / "provinces.csv"
    division_paths = (
        [Path(p) for p in divisions_files]
        if divisions_files is not None
        else [DATA_DIR / "zhejiang_divisions.csv"]
    )
    geo_paths = (
        [Path(p) for p in geojson_files]
        if geojson_files is not None
        else [DATA_DIR / "zhejiang_divisions.geojson"]
    )
    parsed = parse_regions(provinces_path, division_paths, geo_paths)
    with transaction.atomic():
        result = report.add(SectionResult("regions"))
        existing = {r.code: r for r in Region.objects.all()}
        by_code: dict[str, Region] = dict(existing)
        for level in (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY):
            to_create = []
            for r in parsed:
                if r["level"] != level:
                    continue
                values = {
                    "name": r["name"],
                    "level": r["level"],
                    "parent_id": by_code[r["parent_code"]].pk if r["parent_code"] else None,
                    "prefix": r["prefix"],
                    "center_lon": r["center_lon"],
                    "center_lat": r["center_lat"],
                    "boundary": r["boundary"],
                }
                obj = existing.get(r["code"])
                if obj is None:
                    to_create.append(Region(code=r["code"], **values))
                elif changed := _changed_fields(obj, values):
                    for name in changed:
                        setattr(obj, name, values[name])
                    obj.save(update_fields=changed)
                    result.updated += 1
                else:
                    result.unchanged += 1
            Region.objects.bulk_create(to_create)
            result.created += len(to_create)
            if to_create:
                by_code.update(
                    {o.code: o for o in Region.objects.filter(code__in=[o.code for o in to_create])}
                )
        files = [provinces_path, *division_paths, *geo_paths]
        _audit(
            "catalog.regions_loaded",
            object_type="catalog.region",
            object_id=",".join(p.name for p in files),
            object_repr="行政区划",
            result=result,
            files={p.name: _sha256(p) for p in files},
        )
    return report


# --- everything ---------------------------------------------------------------------------

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
