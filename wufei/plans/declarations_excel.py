"""A declaration as an Excel workbook in the layout of HJ 1259-2022 Tables C.1–C.3.

One sheet: the unit's basic information, then 产生情况, 自行利用/处置情况, 委托外单位利用/处置
情况 and 贮存情况, each with its Chinese headers (the standard's content, REGULATIONS.md §3.4;
the national system's exact column order is not published, so this is ours). Quantities are
numbers in tonnes with 4 decimals. The headers are Chinese whatever the page language.
"""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from .declarations_models import Declaration, DeclarationLine, LineSection
from .declarations_queries import sections

TITLES = {"C.1": "表C.1 月度申报", "C.2": "表C.2 季度申报", "C.3": "表C.3 年度申报"}
KINDS = {"monthly": "月度", "quarterly": "季度", "annual": "年度"}
CLASSES = {"key": "重点监管单位", "simplified": "简化管理单位", "registered": "登记管理单位"}
STATUSES = {"generated": "待确认", "confirmed": "已申报", "superseded": "已被更正版本取代"}
RECEIVER_TYPES = {
    "licensed": "经营许可证持有单位",
    "exempt": "利用处置环节豁免管理单位",
    "abroad": "境外利用处置单位",
}
WASTE = ["废物名称", "废物类别", "废物代码"]

#: (section, heading, headers)
SECTIONS: list[tuple[str, str, list[str]]] = [
    (LineSection.GENERATION, "一、产生情况", [*WASTE, "产生量（吨）"]),
    (
        LineSection.OWN,
        "二、自行利用/处置情况",
        [*WASTE, "自行利用/处置方式", "自行利用/处置量（吨）"],
    ),
    (
        LineSection.SHIPPED,
        "三、委托外单位利用/处置情况",
        [
            *WASTE,
            "省（区、市）",
            "单位名称",
            "许可证编号/豁免单位编号/出口核准通知单编号",
            "接收单位类型",
            "利用/处置方式",
            "委托量（吨）",
        ],
    ),
    (
        LineSection.STORAGE,
        "四、贮存情况",
        [*WASTE, "上期末剩余贮存量（吨）", "本期末剩余贮存量（吨）"],
    ),
]

FOUR = "0.0000"


def _row(line: DeclarationLine) -> list[object]:
    waste: list[object] = [line.waste_name, line.category, line.waste_code]
    if line.section == LineSection.GENERATION:
        return [*waste, line.tonnes]
    if line.section == LineSection.OWN:
        return [*waste, line.method_code, line.tonnes]
    if line.section == LineSection.SHIPPED:
        return [
            *waste,
            line.province,
            line.receiver_name,
            line.permit_number,
            RECEIVER_TYPES.get(line.receiver_type, line.receiver_type),
            line.method_code,
            line.tonnes,
        ]
    return [*waste, line.opening_tonnes, line.tonnes]


def basic_rows(declaration: Declaration) -> list[tuple[str, object]]:
    site, org = declaration.site, declaration.site.organization
    confirmed = (
        timezone.localtime(declaration.confirmed_at).strftime("%Y-%m-%d %H:%M")
        if declaration.confirmed_at
        else ""
    )
    return [
        ("单位名称", org.name),
        ("统一社会信用代码", org.uscc),
        ("生产经营场所", site.name),
        ("生产经营场所地址", site.address),
        ("行政区划", f"{site.region.code} {site.region.name}"),
        ("管理类别", CLASSES.get(declaration.management_class, declaration.management_class)),
        ("申报类型", KINDS.get(declaration.period_kind, declaration.period_kind)),
        ("申报期", str(declaration.period)),
        ("申报截止日期", declaration.deadline.isoformat()),
        ("状态", STATUSES.get(declaration.status, declaration.status)),
        ("版本", declaration.revision),
        ("更正原因", declaration.reason),
        ("确认时间", confirmed),
        ("计量单位", "吨"),
    ]


def workbook(declaration: Declaration) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    title = TITLES[declaration.table]
    ws.title = title
    bold = Font(bold=True)
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in basic_rows(declaration):
        ws.append([label, value])
    by_section = sections(declaration)
    for section, heading, headers in SECTIONS:
        ws.append([])
        ws.append([heading])
        ws.cell(row=ws.max_row, column=1).font = bold
        ws.append(headers)
        for cell in ws[ws.max_row]:
            cell.font = bold
        lines = by_section[section]
        if not lines:
            ws.append(["无"])
        for line in lines:
            ws.append(_row(line))
            for cell in ws[ws.max_row]:
                if hasattr(cell.value, "quantize"):
                    cell.number_format = FOUR
    for column, width in zip("ABCDEFGHI", (28, 12, 14, 16, 30, 34, 22, 16, 16), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(declaration: Declaration) -> str:
    return f"declaration-{declaration.site.pk}-{declaration.period}-r{declaration.revision}.xlsx"
