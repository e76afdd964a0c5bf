"""Official statistics import (统计数据导入) from Excel: template, per-cell checks, all or nothing.

One row per region and year (行政区划代码 + 年份); empty cells are "not reported". Every cell
is checked before anything is written; the errors name the row and the column (in Chinese
by default) and nothing is imported while one remains. An import is one batch
(:class:`StatisticsImport`) with the file's SHA-256; each region-year written (created or
replaced) is one audit event. The command: ``manage.py analytics import-statistics FILE``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from wufei.catalog.models import Region
from wufei.core import audit
from wufei.core.errors import ValidationFailed
from wufei.core.permissions import allows

from .models import RegionStatistics, StatisticsImport

DATA = Path(__file__).resolve().parent / "data"
ZHEJIANG_2024 = DATA / "zhejiang_2024.csv"

# (field, header in the template, kind): kind "region", "year", "t" (tonnes / 万元), "pct", "text"
COLUMNS: list[tuple[str, str, str]] = [
    ("region_code", "行政区划代码", "region"),
    ("year", "年份", "year"),
    ("industrial_value_added", "工业增加值（万元）", "t"),
    ("general_generated_t", "一般工业固体废物产生量（吨）", "t"),
    ("general_utilised_t", "一般工业固体废物综合利用量（吨）", "t"),
    ("general_disposed_t", "一般工业固体废物处置量（吨）", "t"),
    ("hazardous_generated_t", "工业危险废物产生量（吨）", "t"),
    ("hazardous_utilised_t", "工业危险废物利用量（吨）", "t"),
    ("hazardous_disposed_t", "工业危险废物处置量（吨）", "t"),
    ("hazardous_landfilled_t", "工业危险废物填埋处置量（吨）", "t"),
    ("hw_capacity_t", "危险废物利用处置能力（吨/年）", "t"),
    ("facility_load_rate", "危险废物设施负荷率（%）", "pct"),
    ("source", "数据来源", "text"),
]
VALUE_FIELDS = [f for f, _h, k in COLUMNS if k in ("t", "pct")]
MAX_T = Decimal("100000000000000")  # 10^14: above any province's tonnes or 万元


def template() -> bytes:
    """The Excel template: the header row, one example row and a sheet of notes."""
    wb = Workbook()
    ws = wb.create_sheet("统计数据", 0)
    del wb[wb.sheetnames[1]]
    ws.append([h for _f, h, _k in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        ["330600", 2025, 35000000, 9000000, 8900000, 50000, 1200000, "", "", "", "", "", "示例"]
    )
    for i, (_f, h, _k) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(h) * 2)
    notes = wb.create_sheet("说明")
    for line in (
        "每行一个行政区划和年份；行政区划代码为 6 位（省 330000、市 330600、县 330603）。",
        "数量单位为吨，工业增加值单位为万元，负荷率为百分数（47.8 表示 47.8%）；最多 4 位小数。",
        "空白单元格表示未填报，平台数据将代替该项（见 docs/indicators.md）。",
        "同一行政区划和年份再次导入时覆盖原值；有任何错误时整批不导入。",
    ):
        notes.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _problem(row: int, col: int, problem: str) -> dict[str, Any]:
    header = COLUMNS[col][1]
    letter = get_column_letter(col + 1)
    message = _("Row %(row)s, column %(column)s (%(header)s): %(problem)s") % {
        "row": row,
        "column": letter,
        "header": header,
        "problem": problem,
    }
    return {"row": row, "column": letter, "field": COLUMNS[col][0], "message": message}


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    d = Decimal(str(value).strip().replace(",", ""))
    if not d.is_finite():
        raise InvalidOperation
    return d


def _cell(kind: str, value: Any, regions: dict[str, Region]) -> tuple[Any, str | None]:
    """(clean value, problem or None) of one cell."""
    empty = value is None or (isinstance(value, str) and not value.strip())
    if kind == "region":
        if empty:
            return None, _("the region code is required")
        code = str(value).strip().split(".")[0]
        region = regions.get(code)
        return (
            (region, None) if region else (None, _("unknown region code %(code)s") % {"code": code})
        )
    if kind == "year":
        try:
            year = int(_decimal(value)) if not empty else None
        except (InvalidOperation, ValueError):
            year = None
        if year is None or not 2000 <= year <= 2100 or _decimal(value) != year:
            return None, _("enter the year as four digits (2000–2100)")
        return year, None
    if kind == "text":
        text = "" if empty else str(value).strip()
        return (text, None) if len(text) <= 300 else (None, _("at most 300 characters"))
    if empty:
        return None, None
    try:
        d = _decimal(value)
    except (InvalidOperation, ValueError):
        return None, _("not a number: %(value)s") % {"value": value}
    if d < 0:
        return None, _("must not be negative")
    if d != d.quantize(Decimal("0.0001")) and d.as_tuple().exponent < -4:  # type: ignore[operator]
        return None, _("at most 4 decimal places")
    if kind == "pct" and d > 1000:
        return None, _("a percentage, at most 1000")
    if d >= MAX_T:
        return None, _("the number is too large")
    return d, None


def validate(rows: list[list[Any]], actor: Any) -> tuple[list[dict[str, Any]], list[dict]]:
    """Clean rows (data rows, without the header) and the problems found, all of them."""
    codes = {str(r[0]).strip().split(".")[0] for r in rows if r and r[0] is not None}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    clean: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    seen: dict[tuple[str, int], int] = {}
    for i, raw in enumerate(rows, start=2):
        if raw is None or all(v is None or str(v).strip() == "" for v in raw):
            continue
        raw = list(raw) + [None] * (len(COLUMNS) - len(raw))
        if len(raw) > len(COLUMNS) and any(v not in (None, "") for v in raw[len(COLUMNS) :]):
            problems.append(_problem(i, len(COLUMNS) - 1, _("values beyond the last column")))
        row: dict[str, Any] = {}
        for col, (name, _h, kind) in enumerate(COLUMNS):
            value, problem = _cell(kind, raw[col], regions)
            if problem:
                problems.append(_problem(i, col, problem))
            row[name] = value
        region = row["region_code"]
        if region is not None and not allows(
            actor, "add", RegionStatistics(region=region, year=row["year"] or 2000)
        ):
            problems.append(_problem(i, 0, _("outside your jurisdiction")))
        if region is not None and row["year"] is not None:
            key = (region.code, row["year"])
            if key in seen:
                problems.append(
                    _problem(
                        i, 0, _("the same region and year as row %(row)s") % {"row": seen[key]}
                    )
                )
            seen[key] = i
        clean.append(row)
    if not clean and not problems:
        problems.append(_problem(2, 0, _("the file has no data rows")))
    return clean, problems


def read_xlsx(data: bytes) -> list[list[Any]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed(
            _("The file is not an Excel workbook (.xlsx)."), code="analytics.not_xlsx", field="file"
        ) from exc
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def read_csv(data: bytes) -> list[list[Any]]:
    return [list(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig")))]


def _check_header(rows: list[list[Any]]) -> None:
    header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else [])]
    expected = [h for _f, h, _k in COLUMNS]
    if header[: len(expected)] != expected:
        raise ValidationFailed(
            _("The first row must be the template's header: %(header)s")
            % {"header": "、".join(expected)},
            code="analytics.bad_header",
            field="file",
        )


def import_statistics(
    actor: Any, data: bytes, *, file_name: str, source: str = ""
) -> StatisticsImport:
    """Import a statistics workbook (or a CSV of the same columns), all rows or none."""
    rows = read_csv(data) if file_name.lower().endswith(".csv") else read_xlsx(data)
    _check_header(rows)
    clean, problems = validate(rows[1:], actor)
    if problems:
        raise ValidationFailed(
            _("Nothing was imported: %(n)s problem(s) in the file.") % {"n": len(problems)},
            code="analytics.statistics_invalid",
            field="file",
            details={"errors": problems},
        )
    regions = [r["region_code"] for r in clean]
    prefix = regions[0].prefix
    for r in regions[1:]:
        while not r.prefix.startswith(prefix):
            prefix = prefix[:-1]
    with transaction.atomic():
        batch = StatisticsImport.objects.create(
            file_name=file_name[:200],
            sha256=hashlib.sha256(data).hexdigest(),
            source=source[:300],
            region_prefix=prefix,
            rows=len(clean),
            imported_by=actor if getattr(actor, "pk", None) else None,
        )
        events: list[dict[str, Any]] = []
        for row in clean:
            region = row["region_code"]
            values = {f: row[f] for f in VALUE_FIELDS}
            values["source"] = row["source"] or source[:300]
            existing = (
                RegionStatistics.objects.select_for_update()
                .filter(region=region, year=row["year"])
                .first()
            )
            before = audit.snapshot(existing) if existing else None
            if existing is None:
                stat = RegionStatistics.objects.create(
                    region=region, year=row["year"], batch=batch, **values
                )
            else:
                for k, v in values.items():
                    setattr(existing, k, v)
                existing.batch, existing.version = batch, existing.version + 1
                existing.save()
                stat = existing
            events.append(
                {
                    "actor": actor,
                    "action": "analytics.statistics.import",
                    "obj": stat,
                    "before": before,
                    "after": audit.snapshot(stat),
                    "region_prefix": region.prefix,
                    "reason": file_name[:200],
                }
            )
        events.append(
            {
                "actor": actor,
                "action": "analytics.statisticsimport.create",
                "obj": batch,
                "after": audit.snapshot(batch),
                "region_prefix": prefix,
            }
        )
        audit.record_many(events)
    return batch


def load_zhejiang_2024(actor: Any) -> StatisticsImport:
    """The 2024 provincial figures the plan quotes (data/zhejiang_2024.csv)."""
    return import_statistics(
        actor,
        ZHEJIANG_2024.read_bytes(),
        file_name=ZHEJIANG_2024.name,
        source="浙江省2024年统计数据（规划引用）",
    )
