"""The printed manifest (转移联单 PDF): A4, the labels' embedded CJK font, a QR to the proof.

``render_manifest(manifest)`` draws the title per kind (危险废物/一般工业固体废物/医疗废物转移联单),
the number, the parties, the carrier legs, the waste lines, the containers, the receipt and
its discrepancies, every signature with the fields that rebuild its statement (so the paper
can be verified offline with the platform's public key, docs/signatures.md), the key's
fingerprint and a QR that opens the verification page (/v/<token>). The font is the labels
app's "Wufei Label Kai" (wufei.labels.fonts), embedded as a per-document subset.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from wufei.labels.fonts import font_name
from wufei.labels.qr import qr_matrix, qr_runs
from wufei.ledger.models import PackageType
from wufei.plans.models import WasteForm
from wufei.registry.models import Permit

from . import proof, signing
from .models import (
    ItemStatus,
    Manifest,
    ManifestKind,
    ManifestStatus,
    Outcome,
    RefusalRoute,
    SignatureStep,
)

TITLES = {
    ManifestKind.HAZARDOUS: "危险废物转移联单",
    ManifestKind.GENERAL: "一般工业固体废物转移联单",
    ManifestKind.MEDICAL: "医疗废物转移联单",
}
ROLE_TEXT = {"shipper": "移出人", "carrier": "承运人", "receiver": "接受人"}
DISCREPANCY_TEXT = {
    "name": "名称",
    "quantity": "数量",
    "characteristics": "危险特性",
    "form": "形态",
    "packaging": "包装",
}
# Every fixed caption printed (the tests check the font has each character).
CAPTIONS = (
    "联单编号 状态 转移日期 跨省转移审批 运输路线 打印时间 第 页 共 "
    "一、移出人 承运人 接受人 角色 名称 统一社会信用代码 地址 联系人 电话 许可证编号 道路运输证 "
    "二、运输 段 车牌号 驾驶员 资格证号 交接地点 接收时间 "
    "三、废物 序号 代码 类别 形态 危险特性 包装 件数 移出量 接收量 利用处置方式 吨 "
    "四、容器 识别码 发运重量 接收重量 "
    "五、接收意见 处理意见 签收时间 原因 去向 差异 说明 无 数量 "
    "六、电子签名 步骤 签名人 单位 时间 内容 平台密钥 平台签名 "
    "七、核验 平台公钥 指纹 声明格式 扫码核验 所有签名有效 签名无效 当前内容与最后签名一致 不一致 "
    "待签 草稿 —·（）：；，"
)

_ZH = re.compile(r"\(([^()]*)\)\s*$")


def zh(label: Any) -> str:
    """The Chinese term of a choice label "English (中文)" (the printed form is Chinese)."""
    with translation.override("en"):
        text = str(label)
    match = _ZH.search(text)
    return match.group(1) if match else text


def _choice(choices: Any, value: str) -> str:
    if not value:
        return "—"
    try:
        return zh(choices(value).label)
    except ValueError:
        return value


def _t(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return text


def _dt(value: Any) -> str:
    if value is None:
        return "—"
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


class _Styles:
    def __init__(self) -> None:
        font = font_name()
        self.title = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=1)
        self.h2 = ParagraphStyle("h", fontName=font, fontSize=11, leading=15, spaceBefore=6)
        self.body = ParagraphStyle("b", fontName=font, fontSize=8.5, leading=11)
        self.cell = ParagraphStyle("c", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
        self.mono = ParagraphStyle("m", fontName=font, fontSize=6, leading=7.5, wordWrap="CJK")


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    value = escape(str(text if text not in (None, "") else "—"))
    return Paragraph(value.replace("\n", "<br/>"), style)


def _table(
    rows: list[list[Any]], widths: list[float], st: _Styles, mono_cols: tuple[int, ...] = ()
) -> Table:
    data = [
        [_p(v, st.mono if (r > 0 and c in mono_cols) else st.cell) for c, v in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font_name()),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _permit_of(org: Any) -> str:
    permit = Permit.objects.filter(organization=org).order_by("-valid_until").first()
    return permit.number if permit else "—"


def _parties(m: Manifest, st: _Styles) -> Table:
    head = ["角色", "名称", "统一社会信用代码", "地址", "联系人 / 电话", "许可证编号"]
    rows: list[list[Any]] = [head]
    for role, org, permit in (
        ("shipper", m.shipper, _permit_of(m.shipper)),
        ("carrier", m.carrier, f"道路运输证 {m.vehicle.transport_permit_no}"),
        ("receiver", m.receiver, m.receiver_permit.number if m.receiver_permit else "—"),
    ):
        contact = " / ".join(x for x in (org.contact_name, org.contact_phone) if x) or "—"
        address = m.shipper_site.address if role == "shipper" else org.address
        if role == "receiver" and m.receiver_site:
            address = m.receiver_site.address
        rows.append([ROLE_TEXT[role], org.name, org.uscc, address, contact, permit])
    return _table(rows, [14, 40, 30, 48, 26, 24], st, mono_cols=(2,))


def _legs(m: Manifest, st: _Styles) -> Table:
    rows: list[list[Any]] = [
        ["段", "承运人", "车牌号", "驾驶员 / 资格证号", "交接地点", "接收时间"]
    ]
    for leg in m.legs.select_related("carrier", "vehicle", "driver").order_by("sequence"):
        started = leg.started_at or (m.picked_up_at if leg.sequence == 1 else None)
        rows.append(
            [
                leg.sequence,
                f"{leg.carrier.name}\n{leg.carrier.uscc}",
                leg.vehicle.plate,
                f"{leg.driver.name} / {leg.driver.qualification_no}",
                leg.handover_place or "—",
                _dt(started),
            ]
        )
    return _table(rows, [8, 52, 20, 38, 34, 30], st)


def _lines(m: Manifest, st: _Styles) -> Table:
    head = ["序号", "代码", "类别", "名称", "形态", "危险特性", "包装", "件数"]
    head += ["移出量(吨)", "接收量(吨)", "利用处置方式"]
    rows: list[list[Any]] = [head]
    lines = m.lines.select_related(
        "waste_code__category", "general_category", "method", "received_method"
    )
    for line in lines:
        category = line.waste_code.category.code if line.waste_code else ""
        if not category and line.general_category:
            category = line.general_category.name
        method = line.method.code
        if line.received_method and line.received_method.code != method:
            method = f"{method} → {line.received_method.code}"
        rows.append(
            [
                line.position,
                line.code_text,
                category,
                line.name,
                _choice(WasteForm, line.form),
                line.hazard or "—",
                _choice(PackageType, line.package_type),
                line.package_count,
                _t(line.quantity_tonnes),
                _t(line.received_tonnes),
                method,
            ]
        )
    return _table(rows, [9, 20, 12, 36, 12, 14, 14, 10, 18, 18, 19], st)


def _items(m: Manifest, st: _Styles) -> Table:
    rows: list[list[Any]] = [["识别码", "序号", "发运重量(吨)", "接收重量(吨)", "状态"]]
    for item in m.items.select_related("container", "line").order_by("container__ident_code"):
        status = _choice(ItemStatus, item.status)
        if item.refused and item.refusal_reason:
            status = f"{status}：{item.refusal_reason}"
        rows.append(
            [
                item.container.ident_code,
                item.line.position,
                _t(item.dispatch_tonnes),
                _t(item.received_tonnes),
                status,
            ]
        )
    return _table(rows, [70, 12, 24, 24, 52], st, mono_cols=(0,))


def _receipt(m: Manifest, st: _Styles) -> list[Any]:
    if not m.outcome:
        return [_p("待签", st.body)]
    parts = [
        f"处理意见：{_choice(Outcome, m.outcome)}",
        f"签收时间：{_dt(m.received_at)}",
    ]
    if m.refusal_route:
        parts.append(f"去向：{_choice(RefusalRoute, m.refusal_route)}")
    flow: list[Any] = [_p("；".join(parts), st.body)]
    if m.refusal_reason:
        flow.append(_p(f"原因：{m.refusal_reason}", st.body))
    rows: list[list[Any]] = [["序号", "差异", "说明"]]
    for line in m.lines.all():
        if line.discrepancy or line.note:
            found = "、".join(DISCREPANCY_TEXT.get(str(d), str(d)) for d in line.discrepancy)
            rows.append([line.position, found or "—", line.note or "—"])
    if len(rows) > 1:
        flow.append(_table(rows, [12, 80, 90], st))
    return flow


def _signatures(m: Manifest, st: _Styles) -> list[Any]:
    sigs = list(m.signatures.select_related("organization").order_by("pk"))
    if not sigs:
        return [_p("无", st.body)]
    rows: list[list[Any]] = [
        ["步骤", "签名人 / 单位", "时间", "内容 SHA-256 / 平台密钥 / 平台签名"]
    ]
    report = proof.check_manifest(m)
    for sig, c in zip(sigs, report.signatures, strict=True):
        f = c.fields
        step = _choice(SignatureStep, sig.step) + (f" #{sig.leg}" if sig.leg else "")
        ok = "" if c.valid and not c.problems else "\n签名无效"
        rows.append(
            [
                f"{step}\n{ROLE_TEXT.get(sig.role, sig.role)}{ok}",
                f"{sig.signer_name}\n{sig.organization.name}\n{f['uscc']}",
                f["signed_at"],
                f"{f['content_sha256']}\n{f['key_id']} · {f['role']} · leg {f['leg']}"
                f" · rev {f['revision']}\n"
                f"{f['signature']}",
            ]
        )
    flow: list[Any] = [_table(rows, [20, 36, 34, 92], st, mono_cols=(2, 3))]
    summary = "所有签名有效" if report.ok else "签名无效"
    match = "当前内容与最后签名一致" if report.content_matches else "当前内容与最后签名不一致"
    flow.append(_p(f"{summary}；{match}。", st.body))
    return flow


def _proof_block(st: _Styles) -> list[Any]:
    raw = signing.public_key_bytes()
    fmt = (
        f"{signing.STATEMENT_VERSION}|联单编号|步骤|段|修正|签名人|角色|统一社会信用代码|时间(ISO 8601)"
        "|内容 SHA-256（UTF-8，以 | 连接）"
    )
    doc = proof.public_key_document()
    rows = [
        ["平台密钥", signing.key_id()],
        ["指纹 SHA-256", proof.fingerprint(raw)],
        ["平台公钥 (Ed25519, base64)", doc["public_key_base64"]],
        ["声明格式", fmt],
    ]
    return [_table(rows, [40, 142], st, mono_cols=(1,))]


def _draw_qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(payload)
    n = len(matrix)
    module = size / n
    canvas.saveState()
    canvas.setFillColor(colors.black)
    for qx, qy, w, h in qr_runs(matrix):
        canvas.rect(x + qx * module, y + size - (qy + h) * module, w * module, h * module, 0, 1)
    canvas.restoreState()


def render_manifest(manifest: Manifest, *, base_url: str | None = None) -> bytes:
    """The manifest as an A4 PDF (bytes); the QR opens ``{base_url}/v/<token>``."""
    m = manifest
    st = _Styles()
    number = m.number or f"草稿 #{m.pk}"
    qr_payload = proof.verify_url(m, base_url)
    title = TITLES.get(ManifestKind(m.kind), "转移联单")
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{title} {number}",
        author="wufei",
        initialFontName=font_name(),
        invariant=1,
        pageCompression=1,
    )

    def first_page(canvas: Canvas, _doc: Any) -> None:
        size = 26 * mm
        x, y = A4[0] - 14 * mm - size, A4[1] - 12 * mm - size
        _draw_qr(canvas, qr_payload, x, y, size)
        canvas.setFont(font_name(), 7)
        canvas.drawCentredString(x + size / 2, y - 3 * mm, "扫码核验")
        footer(canvas, _doc)

    def footer(canvas: Canvas, _doc: Any) -> None:
        canvas.setFont(font_name(), 7)
        canvas.drawString(14 * mm, 8 * mm, f"{title} {number} · 打印时间 {printed}")
        canvas.drawRightString(A4[0] - 14 * mm, 8 * mm, f"第 {canvas.getPageNumber()} 页")

    head = [
        f"联单编号：{number}",
        f"状态：{_choice(ManifestStatus, m.status)}",
        f"转移日期：{_dt(m.planned_pickup_on)}",
    ]
    if m.approval_id:
        head.append(f"跨省转移审批：{m.approval}")
    story: list[Any] = [
        _p(title, st.title),
        Spacer(1, 4 * mm),
        *(_p(h, st.body) for h in head),
    ]
    if m.route_note:
        story.append(_p(f"运输路线：{m.route_note}", st.body))
    story += [Spacer(1, 8 * mm), _p("一、移出人 / 承运人 / 接受人", st.h2), _parties(m, st)]
    story += [_p("二、运输", st.h2), _legs(m, st)]
    story += [_p("三、废物", st.h2), _lines(m, st)]
    story += [_p("四、容器", st.h2), _items(m, st)]
    story += [_p("五、接收意见", st.h2), *_receipt(m, st)]
    story += [_p("六、电子签名", st.h2), *_signatures(m, st)]
    story += [_p("七、核验", st.h2), *_proof_block(st)]
    with translation.override("zh-hans"):
        doc.build(story, onFirstPage=first_page, onLaterPages=footer)
    return buffer.getvalue()
