"""Shared pieces of the reference data loaders: the error, the load report, reading CSV and
JSON files, parsing helpers and the audit helper."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import Model

from wufei.core import audit

ACTOR = "system:load_reference_data"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


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
