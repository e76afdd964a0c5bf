"""豁免管理清单: the exemption list of an edition (loaded after its catalogue)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from ..models import CatalogueEdition, Exemption, ExemptionStage, WasteCategory, WasteCode
from .common import (
    LoadReport,
    ReferenceDataError,
    SectionResult,
    _audit,
    _changed_fields,
    _parse_page,
    _sha256,
    read_csv,
)

CODE_IN_TEXT_RE = re.compile(r"\d{3}-\d{3}-\d{2}")
CATEGORY_IN_TEXT_RE = re.compile(r"HW\d{2}(?!\d)")

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
