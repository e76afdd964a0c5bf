"""Reading organisation import files (.xlsx or .csv) and writing the error report.

Headers may be Chinese (统一社会信用代码, 单位名称, …) or English (uscc, name, …); see
docs/registry.md. Rows come back as dicts keyed by field name, with ``_row`` = the row number
in the file (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from wufei.core.errors import ValidationFailed

# field → (Chinese header, accepted aliases)
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("uscc", "统一社会信用代码", ("uscc", "credit code", "unified social credit code")),
    ("name", "单位名称", ("name", "organisation", "organization")),
    ("region", "行政区划代码", ("region", "region code", "行政区划")),
    ("address", "地址", ("address", "注册地址")),
    ("legal_representative", "法定代表人", ("legal representative", "legal_representative")),
    ("contact_name", "联系人", ("contact", "contact name", "contact_name")),
    ("contact_phone", "联系电话", ("phone", "contact phone", "contact_phone")),
    ("roles", "角色", ("roles", "role")),
    ("industry_code", "行业代码", ("industry code", "industry_code")),
    (
        "annual_hazardous_tonnes",
        "年产生量(吨)",
        ("annual tonnes", "annual_hazardous_tonnes", "年产生量（吨）", "年产生量"),
    ),
    ("contact_email", "电子邮箱", ("email", "e-mail", "contact_email")),
    ("industry_name", "行业名称", ("industry", "industry_name")),
]
HEADER_OF = {f: zh for f, zh, _ in COLUMNS}


def _normalise(text: Any) -> str:
    return str(text or "").strip().lower().replace("（", "(").replace("）", ")").replace("_", " ")


_LOOKUP: dict[str, str] = {}
for _field, _zh, _aliases in COLUMNS:
    for _name in (_field, _zh, *_aliases):
        _LOOKUP[_normalise(_name)] = _field


def _map_header(header: list[Any]) -> list[str | None]:
    mapped = [_LOOKUP.get(_normalise(h)) for h in header]
    if "uscc" not in mapped or "name" not in mapped:
        raise ValidationFailed(
            _(
                "The first row must hold the column headers, at least 统一社会信用代码 and 单位名称."
            ),
            code="registry.import_header",
            field="file",
        )
    return mapped


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(header: list[Any], body: Any) -> list[dict[str, Any]]:
    fields = _map_header(header)
    rows = []
    for number, values in enumerate(body, start=2):
        values = list(values)
        if not any(_cell(v) for v in values):
            continue
        row: dict[str, Any] = {"_row": number}
        for field, value in zip(fields, values, strict=False):
            if field:
                row[field] = _cell(value)
        rows.append(row)
    return rows


def read_rows(file: IO[bytes], filename: str) -> list[dict[str, Any]]:
    """The rows of an uploaded file (.xlsx or .csv, UTF-8 or GB18030)."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        try:
            wb = load_workbook(file, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            raise ValidationFailed(
                _("The file is not a readable Excel workbook (.xlsx)."),
                code="registry.import_unreadable",
                field="file",
            ) from None
        sheet = wb.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return []
        rows = _rows(list(header), it)
        wb.close()
        return rows
    if name.endswith((".csv", ".txt")):
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
                code="registry.import_unreadable",
                field="file",
            )
        reader = csv.reader(io.StringIO(text))
        first = next(reader, None)
        if first is None:
            return []
        return _rows(first, reader)
    raise ValidationFailed(
        _("Upload an .xlsx or .csv file."), code="registry.import_type", field="file"
    )


def template_workbook() -> Workbook:
    """The import template: the Chinese headers and one example row (on a second sheet)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has one sheet
    ws.title = "单位"
    ws.append([zh for _f, zh, _a in COLUMNS])
    example = wb.create_sheet("示例")
    example.append([zh for _f, zh, _a in COLUMNS])
    example.append(
        [
            "91330602MA2D3B4C5X",
            "绍兴某某化工有限公司",
            "330602",
            "浙江省绍兴市越城区某路1号",
            "张三",
            "李四",
            "13800000000",
            "产废单位",
            "C2614",
            "12.5",
            "",
            "有机化学原料制造",
        ]
    )
    return wb


def error_report_rows(errors: list[Any]) -> list[list[str]]:
    """The per-row report: row, column (Chinese header), problem, value."""
    head = [str(_("Row")), str(_("Column")), str(_("Problem")), str(_("Value"))]
    return [head] + [
        [str(e.row), HEADER_OF.get(e.field, e.field), e.message, e.value] for e in errors
    ]


def write_report_csv(errors: list[Any], target: IO[str]) -> None:
    writer = csv.writer(target)
    writer.writerows(error_report_rows(errors))
