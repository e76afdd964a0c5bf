"""The ledger as the HJ 1259-2022 Appendix B tables (Excel, one sheet per table).

Tables B.1 产生, B.2 入库, B.3 出库, B.4 自行利用/处置, B.5 委外利用/处置, with the columns of
the standard (REGULATIONS.md §3.3) and a 备注 column. A reversing entry (冲销) is listed in the
table of the entry it cancels, with a negative quantity and the reason in 备注.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import EntryKind, LedgerEntry, PackageType

CONTAINER_COLUMNS = ["容器/包装编码", "容器/包装类型", "容器/包装数量"]
WASTE_COLUMNS = ["废物名称", "废物类别", "废物代码"]

#: (sheet title, entry kind, headers)
TABLES: list[tuple[str, str, list[str]]] = [
    (
        "表B.1 产生环节",
        EntryKind.PRODUCED,
        ["产生批次编码", "产生时间", "废物名称（俗称）", "名录名称", "废物类别", "废物代码",
         "产生量", "计量单位", *CONTAINER_COLUMNS, "产生设施编码", "产生部门经办人", "去向",
         "备注"],
    ),
    (
        "表B.2 入库环节",
        EntryKind.STORED_IN,
        ["入库批次编码", "入库时间", *CONTAINER_COLUMNS, *WASTE_COLUMNS, "入库量", "计量单位",
         "贮存设施编码", "贮存设施类型", "运送部门经办人", "贮存部门经办人", "产生批次编码",
         "备注"],
    ),
    (
        "表B.3 出库环节",
        EntryKind.STORED_OUT,
        ["出库批次编码", "出库时间", *CONTAINER_COLUMNS, *WASTE_COLUMNS, "出库量", "计量单位",
         "贮存设施编码", "贮存设施类型", "出库部门经办人", "运送部门经办人", "入库批次编码",
         "去向", "备注"],
    ),
    (
        "表B.4 自行利用处置环节",
        EntryKind.SELF_TREATED,
        ["自行利用/处置批次编码", "自行利用/处置时间", *CONTAINER_COLUMNS, *WASTE_COLUMNS,
         "自行利用/处置量", "计量单位", "自行利用/处置设施编码", "自行利用/处置方式",
         "自行利用/处置完毕时间", "自行利用/处置部门经办人", "产生批次编码/出库批次编码", "备注"],
    ),
    (
        "表B.5 委外利用处置环节",
        EntryKind.SHIPPED,
        ["委外利用/处置批次编码", "出厂时间", *CONTAINER_COLUMNS, *WASTE_COLUMNS,
         "委外利用/处置量", "计量单位", "利用/处置方式", "接收单位类型", "利用/处置单位名称",
         "许可证编码/出口核准通知单编号", "产生批次编码/出库批次编码", "备注"],
    ),
]  # fmt: skip

PACKAGE_TEXT: dict[str, str] = {
    PackageType.DRUM: "桶",
    PackageType.IBC: "吨桶",
    PackageType.BAG: "袋",
    PackageType.BULK_BAG: "吨袋",
    PackageType.BOX: "箱",
    PackageType.TANK: "罐",
    PackageType.PALLET: "托盘",
    PackageType.BULK: "散装",
    PackageType.OTHER: "其他",
}


RECEIVER_TEXT: dict[str, str] = {
    "licensed": "经营许可证持有单位",
    "exempt": "利用处置环节豁免管理单位",
    "abroad": "境外利用处置单位",
}


def _time(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _row(kind: str, e: LedgerEntry, source: LedgerEntry) -> list[Any]:
    """One row of table ``kind``; ``source`` is the entry whose fields are shown (the
    cancelled entry for a reversal)."""
    c = e.container
    code = c.waste_code
    container = [c.ident_code or "", PACKAGE_TEXT.get(c.package_type, c.package_type), c.count]
    waste = [c.internal_name, code.category.code if code else "", code.code if code else ""]
    qty = float(e.quantity_tonnes)
    facility = source.facility
    remark = f"冲销 {source.batch_number}：{e.reason}" if e.kind == EntryKind.REVERSAL else e.reason
    if kind == EntryKind.PRODUCED:
        plan = c.plan_waste
        return [
            e.batch_number, _time(e.at), c.internal_name, code.description if code else "",
            code.category.code if code else "", code.code if code else "", qty, "吨", *container,
            plan.source_facility if plan else "", source.operator, source.destination, remark,
        ]  # fmt: skip
    if kind == EntryKind.STORED_IN:
        return [
            e.batch_number, _time(e.at), *container, *waste, qty, "吨",
            facility.code if facility else "", facility.facility_type if facility else "",
            source.transport_operator, source.operator, source.production_batch, remark,
        ]  # fmt: skip
    if kind == EntryKind.STORED_OUT:
        return [
            e.batch_number, _time(e.at), *container, *waste, qty, "吨",
            facility.code if facility else "", facility.facility_type if facility else "",
            source.operator, source.transport_operator, source.storage_batch,
            source.destination, remark,
        ]  # fmt: skip
    method = source.method.code if source.method else ""
    if kind == EntryKind.SELF_TREATED:
        return [
            e.batch_number, _time(e.at), *container, *waste, qty, "吨",
            facility.code if facility else "", method, _time(e.at), source.operator,
            source.storage_batch or source.production_batch, remark,
        ]  # fmt: skip
    return [
        e.batch_number, _time(e.at), *container, *waste, qty, "吨", method,
        RECEIVER_TEXT.get(source.receiver_type, ""),
        source.receiver_name, source.receiver_permit_number,
        source.storage_batch or source.production_batch, remark,
    ]  # fmt: skip


def workbook(entries: Iterable[LedgerEntry]) -> Workbook:
    """Tables B.1–B.5 of ``entries`` (hazardous waste), oldest first in each sheet."""
    by_kind: dict[str, list[tuple[LedgerEntry, LedgerEntry]]] = {t[1]: [] for t in TABLES}
    for e in entries:
        source = e.reversal_of if e.kind == EntryKind.REVERSAL and e.reversal_of else e
        if source.kind in by_kind:
            by_kind[source.kind].append((e, source))
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    bold = Font(bold=True)
    for title, kind, headers in TABLES:
        ws = wb.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = bold
        for col, header in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(1, col).column_letter].width = max(10, len(header) * 2)
        ws.freeze_panes = "A2"
        rows = sorted(by_kind[kind], key=lambda pair: (pair[0].at, pair[0].pk))
        for e, source in rows:
            ws.append(_row(kind, e, source))
    return wb


def export_bytes(entries: Iterable[LedgerEntry]) -> bytes:
    buffer = io.BytesIO()
    workbook(entries).save(buffer)
    return buffer.getvalue()
