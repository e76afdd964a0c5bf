"""Registers per unit as Excel (出入台账): what a unit shipped, received or carried.

Three registers an organisation can hand an inspector as a file (the peer systems' outgoing /
incoming / transported registers): ``outgoing`` (as 移出人), ``incoming`` (as 接受人),
``transported`` (as a carrier of any leg). One row per manifest line, for the manifests whose
transfer date (``planned_pickup_on``; the paper transfer date for a paper manifest) lies in
the range; drafts and cancelled manifests are left out. Rows start from
``Manifest.objects.restrict(user, "view")``, so nobody gets a row they could not open.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from wufei.ledger.excel import PACKAGE_TEXT

from .models import Manifest, ManifestLine, ManifestStatus

KINDS: dict[str, Any] = {
    "outgoing": _("Outgoing register (as shipper, 转出台账)"),
    "incoming": _("Incoming register (as receiver, 接收台账)"),
    "transported": _("Transport register (as carrier, 运输台账)"),
}
SHEET_TITLES = {"outgoing": "转出台账", "incoming": "接收台账", "transported": "运输台账"}
MAX_DAYS = 366

HEADERS = [
    "联单编号", "纸质联单编号", "状态", "转移日期", "移出人", "移出人统一社会信用代码", "承运人",
    "车牌号", "接受人", "接受人统一社会信用代码", "许可证编号", "行号", "废物代码", "废物类别",
    "废物名称", "形态", "危险特性", "包装方式", "包装数量", "转移量（吨）", "接收量（吨）",
    "接受量（吨）", "拟利用/处置方式", "实际利用/处置方式", "处理意见", "签收时间", "闭环时间",
]  # fmt: skip

STATUS_TEXT = {
    "submitted": "待转移",
    "in_transit": "运输中",
    "arrived": "已到达",
    "received": "已接收",
    "refused": "已拒收",
    "closed": "已闭环",
}
FORM_TEXT = {"solid": "固态", "semi_solid": "半固态", "liquid": "液态", "gas": "气态"}
OUTCOME_TEXT = {"accepted": "接受", "partly_refused": "部分拒收", "refused": "拒收"}


def manifests(
    user: Any, kind: str, org_id: int, start: dt.date, end: dt.date
) -> QuerySet[Manifest]:
    """The manifests of ``org_id``'s ``kind`` register that ``user`` may see."""
    if kind not in KINDS:
        raise ValueError(kind)
    party = {
        "outgoing": Q(shipper_id=org_id),
        "incoming": Q(receiver_id=org_id),
        "transported": Q(carrier_id=org_id) | Q(legs__carrier_id=org_id),
    }[kind]
    ids = (
        Manifest.objects.restrict(user, "view")
        .filter(party, planned_pickup_on__gte=start, planned_pickup_on__lte=end)
        .exclude(status__in=(ManifestStatus.DRAFT, ManifestStatus.CANCELLED))
        .values("pk")
    )
    return Manifest.objects.filter(pk__in=ids)


def lines(
    user: Any, kind: str, org_id: int, start: dt.date, end: dt.date
) -> QuerySet[ManifestLine]:
    return (
        ManifestLine.objects.filter(manifest__in=manifests(user, kind, org_id, start, end))
        .select_related(
            "manifest__shipper",
            "manifest__receiver",
            "manifest__carrier",
            "manifest__vehicle",
            "manifest__receiver_permit",
            "waste_code__category",
            "general_category",
            "method",
            "received_method",
        )
        .order_by("manifest__planned_pickup_on", "manifest__number", "position")
    )


def _time(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _num(value: Any) -> float | str:
    return float(value) if value is not None else ""


def row(line: ManifestLine) -> list[Any]:
    m = line.manifest
    code = line.waste_code
    return [
        m.number or "", m.paper_number, STATUS_TEXT.get(m.status, m.status),
        (m.paper_transferred_on or m.planned_pickup_on).isoformat(), m.shipper.name,
        m.shipper.uscc, m.carrier.name, m.vehicle.plate, m.receiver.name, m.receiver.uscc,
        m.receiver_permit.number if m.receiver_permit else "", line.position,
        line.code_text, code.category.code if code else "", line.name,
        FORM_TEXT.get(line.form, line.form), line.hazard,
        PACKAGE_TEXT.get(line.package_type, line.package_type), line.package_count,
        _num(line.quantity_tonnes), _num(line.received_tonnes), _num(line.accepted_tonnes),
        line.method.code, line.received_method.code if line.received_method else "",
        OUTCOME_TEXT.get(line.outcome, ""), _time(m.received_at), _time(m.closed_at),
    ]  # fmt: skip


def workbook(
    kind: str, rows: Iterable[ManifestLine], *, org_name: str, start: dt.date, end: dt.date
) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLES[kind]
    ws.append([f"{org_name} {SHEET_TITLES[kind]} {start.isoformat()} — {end.isoformat()}"])
    ws.append(HEADERS)
    bold = Font(bold=True)
    for cell in (*ws[1], *ws[2]):
        cell.font = bold
    from openpyxl.utils import get_column_letter

    for col, header in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = max(10, len(header) * 2)
    ws.freeze_panes = "A3"
    for line in rows:
        ws.append(row(line))
    return wb


def export_bytes(user: Any, kind: str, org: Any, start: dt.date, end: dt.date) -> bytes:
    buffer = io.BytesIO()
    workbook(
        kind, lines(user, kind, org.pk, start, end), org_name=org.name, start=start, end=end
    ).save(buffer)
    return buffer.getvalue()
