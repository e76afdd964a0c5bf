"""Treatment methods (利用/处置方式) and general industrial solid waste classes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model

from ..models import GeneralWasteCategory, TreatmentMethod, Verification
from .common import (
    DATA_DIR,
    LoadReport,
    ReferenceDataError,
    SectionResult,
    _audit,
    _changed_fields,
    _sha256,
    read_csv,
)


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
