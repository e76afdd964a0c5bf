"""Reading ledger import files (.xlsx, .csv, or JSON rows) in the HJ 1259 Appendix B shape.

A file is what ``ledger.excel`` exports (Tables B.1–B.4, one sheet each, Chinese headers), a
CSV of one of those tables, or a CSV/JSON with English headers and a ``stage`` (环节) column
saying which table each row belongs to (产生 / 入库 / 出库 / 自行利用处置). Rows are yielded one
at a time (``Row``), so a file of a million rows is never held as dicts in memory. See
docs/ledger-import.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from wufei.core.errors import ValidationFailed

from ..excel import TABLES
from ..models import EntryKind

#: Canonical (English) field names of an import row.
FIELDS = [
    "stage", "batch_number", "time", "internal_name", "catalogue_name", "category",
    "waste_code", "quantity", "unit", "container_code", "package_type", "count",
    "volume_litres", "source_facility", "facility", "facility_type", "method", "completed_at",
    "operator", "transport_operator", "production_batch", "storage_batch", "link_batch",
    "destination", "remark",
]  # fmt: skip

#: Chinese header → field, per table (the headers ``ledger.excel`` writes).
_TABLE_FIELDS: dict[str, list[str]] = {
    EntryKind.PRODUCED: [
        "batch_number", "time", "internal_name", "catalogue_name", "category", "waste_code",
        "quantity", "unit", "container_code", "package_type", "count", "source_facility",
        "operator", "destination", "remark",
    ],
    EntryKind.STORED_IN: [
        "batch_number", "time", "container_code", "package_type", "count", "internal_name",
        "category", "waste_code", "quantity", "unit", "facility", "facility_type",
        "transport_operator", "operator", "production_batch", "remark",
    ],
    EntryKind.STORED_OUT: [
        "batch_number", "time", "container_code", "package_type", "count", "internal_name",
        "category", "waste_code", "quantity", "unit", "facility", "facility_type", "operator",
        "transport_operator", "storage_batch", "destination", "remark",
    ],
    EntryKind.SELF_TREATED: [
        "batch_number", "time", "container_code", "package_type", "count", "internal_name",
        "category", "waste_code", "quantity", "unit", "facility", "method", "completed_at",
        "operator", "link_batch", "remark",
    ],
    EntryKind.SHIPPED: [
        "batch_number", "time", "container_code", "package_type", "count", "internal_name",
        "category", "waste_code", "quantity", "unit", "method", "receiver_type",
        "receiver_name", "permit", "link_batch", "remark",
    ],
}  # fmt: skip
HEADERS: dict[str, dict[str, str]] = {}  # stage → {normalised header: field}
HEADER_OF: dict[str, dict[str, str]] = {}  # stage → {field: Chinese header}
for _title, _kind, _headers in TABLES:
    _fields = _TABLE_FIELDS[_kind]
    assert len(_fields) == len(_headers), _title
    HEADER_OF[_kind] = dict(zip(_fields, _headers, strict=True))
#: Extra columns the export does not write but an import may carry.
EXTRA_HEADERS = {
    "容器/包装容积(l)": "volume_litres",
    "容器容积(l)": "volume_litres",
    "环节": "stage",
}
ENGLISH = {f: f for f in FIELDS} | {"container": "container_code", "weight": "quantity"}

STAGES: dict[str, str] = {
    "产生": EntryKind.PRODUCED,
    "produced": EntryKind.PRODUCED,
    "入库": EntryKind.STORED_IN,
    "stored_in": EntryKind.STORED_IN,
    "出库": EntryKind.STORED_OUT,
    "stored_out": EntryKind.STORED_OUT,
    "自行利用处置": EntryKind.SELF_TREATED,
    "自行利用/处置": EntryKind.SELF_TREATED,
    "自行利用": EntryKind.SELF_TREATED,
    "自行处置": EntryKind.SELF_TREATED,
    "self_treated": EntryKind.SELF_TREATED,
    "委外利用处置": EntryKind.SHIPPED,
    "委外利用/处置": EntryKind.SHIPPED,
    "shipped": EntryKind.SHIPPED,
}
STAGE_TEXT = {
    EntryKind.PRODUCED: "产生",
    EntryKind.STORED_IN: "入库",
    EntryKind.STORED_OUT: "出库",
    EntryKind.SELF_TREATED: "自行利用处置",
    EntryKind.SHIPPED: "委外利用处置",
}


def normalise(text: Any) -> str:
    return str(text or "").strip().lower().replace("（", "(").replace("）", ")").replace(" ", "_")


for _kind, _map in HEADER_OF.items():
    HEADERS[_kind] = {normalise(h): f for f, h in _map.items()}


def stage_of(value: Any) -> str | None:
    return STAGES.get(str(value or "").strip().lower().replace(" ", ""))


@dataclass(slots=True)
class Row:
    """One row of the file: its number (header = 1), sheet, table (if the sheet or the
    headers say) and its values by field name (a file's empty cells are left out)."""

    number: int
    sheet: str
    stage: str | None
    values: dict[str, Any]


def _map_header(header: list[Any], sheet: str) -> tuple[str | None, list[str | None]]:
    """(stage of the table or None for a mixed file with a ``stage`` column, field per column)."""
    names = [normalise(h) for h in header]
    for kind, mapping in HEADERS.items():
        first = normalise(HEADER_OF[kind]["batch_number"])
        if names and names[0] == first:
            return kind, [mapping.get(n) or EXTRA_HEADERS.get(n) or ENGLISH.get(n) for n in names]
    fields = [ENGLISH.get(n) or EXTRA_HEADERS.get(n) for n in names]
    if "stage" not in fields or "time" not in fields:
        raise ValidationFailed(
            _(
                "%(sheet)s: the first row must hold the headers of an HJ 1259 Appendix B table "
                "(e.g. 产生批次编码, 产生时间, …) or English headers with a stage column."
            )
            % {"sheet": sheet},
            code="ledger.import_header",
            field="file",
        )
    return None, fields


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return value


def _rows(header: list[Any], body: Iterable[Any], sheet: str,
          cell: Callable[[Any], Any] = _cell) -> Iterator[Row]:  # fmt: skip
    """The rows under ``header``; a row's values leave out its empty cells (``cell`` makes a
    value: ``_cell``, or ``str.strip`` for CSV text)."""
    stage, fields = _map_header(header, sheet)
    pairs = [(i, f) for i, f in enumerate(fields) if f]
    width = pairs[-1][0] + 1 if pairs else 0
    if cell is str.strip:  # CSV: every cell is text
        for number, values in enumerate(body, start=2):
            if len(values) >= width:
                data = {f: c for i, f in pairs if (c := values[i].strip())}
            else:
                data = {f: c for i, f in pairs if i < len(values) and (c := values[i].strip())}
            if data:
                yield Row(number, sheet, stage, data)
        return
    for number, values in enumerate(body, start=2):
        if len(values) >= width:
            data = {f: c for i, f in pairs if (c := cell(values[i])) != ""}
        else:
            n = len(values)
            data = {f: c for i, f in pairs if i < n and (c := cell(values[i])) != ""}
        if data:
            yield Row(number, sheet, stage, data)


def _xlsx(file: IO[bytes]) -> Iterator[Row]:
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ValidationFailed(
            _("The file is not a readable Excel workbook (.xlsx)."),
            code="ledger.import_unreadable",
            field="file",
        ) from None
    try:
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            if header is None or not any(h for h in header):
                continue
            yield from _rows(list(header), it, ws.title)
    finally:
        wb.close()


def _csv(file: IO[bytes]) -> Iterator[Row]:
    raw = file.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(
            _("The CSV file must be encoded in UTF-8 or GB18030."),
            code="ledger.import_unreadable",
            field="file",
        )
    del raw
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return
    yield from _rows(header, reader, "CSV", str.strip)


def read_rows(file: IO[bytes], filename: str) -> Iterator[Row]:
    """The rows of an uploaded file (.xlsx, or .csv in UTF-8 or GB18030), lazily.

    A bad header is reported when the first row is read.
    """
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return _xlsx(file)
    if name.endswith((".csv", ".txt")):
        return _csv(file)
    raise ValidationFailed(
        _("Upload an .xlsx or .csv file."), code="ledger.import_type", field="file"
    )


def json_rows(items: Iterable[dict[str, Any]]) -> Iterator[Row]:
    """Rows given as JSON objects with English keys (the API); row numbers count from 1."""
    for number, item in enumerate(items, start=1):
        data = {}
        for key, value in dict(item).items():
            field = ENGLISH.get(normalise(key)) or EXTRA_HEADERS.get(normalise(key))
            if field:
                data[field] = _cell(value)
        yield Row(number, "JSON", None, data)


def column_name(stage: str | None, field: str) -> str:
    """The column as the user's file names it: the table's Chinese header, else the field."""
    if stage and field in HEADER_OF.get(stage, {}):
        return HEADER_OF[stage][field]
    return {"stage": "环节", "volume_litres": "容器/包装容积（L）", "file": "文件"}.get(
        field, field
    )


def error_report_rows(errors: list[Any]) -> list[list[str]]:
    """The per-row report: sheet, row, column, problem, value."""
    head = [str(_("Sheet")), str(_("Row")), str(_("Column")), str(_("Problem")), str(_("Value"))]
    return [head] + [[e.sheet, str(e.row), e.column, e.message, e.value] for e in errors]


def write_report_csv(errors: list[Any], target: IO[str]) -> None:
    csv.writer(target).writerows(error_report_rows(errors))
