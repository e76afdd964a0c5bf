"""The annual plan-implementation report (规划实施进展报告) of one region as an A4 PDF.

Drawn with reportlab (tables and ``reportlab.graphics`` charts), in the labels app's embedded
CJK font ("Wufei Label Kai", ``wufei.labels.fonts``, a per-document subset), from the data
of :func:`wufei.analytics.reports.dashboard_data`: the seven indicators against their
targets, the child regions, the composition by category (with a bar chart), the monthly
trends (line chart), warnings and cases, and the facility loads.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from wufei.catalog.models import Region
from wufei.labels.fonts import font_name

from .reports import SHORT_NAMES, STATUS_TEXT
from .reports import Table as DataTable

SHORT = SHORT_NAMES
STATUS_COLOUR = {
    "green": colors.HexColor("#2e7d32"),
    "amber": colors.HexColor("#ef8f00"),
    "red": colors.HexColor("#c62828"),
    "none": colors.HexColor("#9e9e9e"),
}
PALETTE = ["#1565c0", "#2e7d32", "#c62828", "#ef8f00", "#6a1b9a", "#00838f", "#5d4037"]
WIDTH = A4[0] - 28 * mm


def _num(v: Any, digits: int = 2) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, float | int):
        return f"{v:,.{digits}f}"
    return str(v)


class _Styles:
    def __init__(self) -> None:
        f = font_name()
        self.title = ParagraphStyle("t", fontName=f, fontSize=17, leading=23, alignment=1)
        self.sub = ParagraphStyle("s", fontName=f, fontSize=9, leading=13, alignment=1)
        self.h = ParagraphStyle(
            "h", fontName=f, fontSize=12, leading=17, spaceBefore=8, spaceAfter=4
        )
        self.body = ParagraphStyle("b", fontName=f, fontSize=8, leading=11)
        self.cell = ParagraphStyle("c", fontName=f, fontSize=7, leading=9)


def _grid(rows: list[list[Any]], widths: list[float], extra: list[tuple] | None = None) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font_name()),
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("LEADING", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b8c0")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                *(extra or []),
            ]
        )
    )
    return t


def _indicator_table(data: dict[str, Any], st: _Styles) -> Table:
    rows: list[list[Any]] = [["指标", "现值", "单位", "2027年目标", "2030年目标", "状态"]]
    extra = []
    for i, ind in enumerate(data["indicators"], start=1):
        rows.append(
            [
                Paragraph(escape(ind["name"]), st.cell),
                _num(ind["value"], 3 if ind["code"] == "intensity" else 1),
                ind["unit"],
                _num(ind["target_2027"], 1),
                _num(ind["target_2030"], 1),
                STATUS_TEXT.get(ind["status"], ind["status"]),
            ]
        )
        extra += [
            ("TEXTCOLOR", (5, i), (5, i), colors.white),
            ("BACKGROUND", (5, i), (5, i), STATUS_COLOUR.get(ind["status"], colors.grey)),
            ("ALIGN", (5, i), (5, i), "CENTER"),
        ]
    return _grid(rows, [70 * mm, 22 * mm, 16 * mm, 22 * mm, 22 * mm, WIDTH - 152 * mm], extra)


def _children_table(data: dict[str, Any]) -> Table:
    codes = [i["code"] for i in data["indicators"]]
    rows: list[list[Any]] = [
        ["地区", "产生量(t)", "危险废物(t)"] + [SHORT.get(c, c) for c in codes]
    ]
    for c in data["children"]:
        values = c.get("indicators", {})
        rows.append(
            [c["name"], _num(c.get("generated_t"), 1), _num(c.get("hazardous_t"), 1)]
            + [_num(values.get(code), 3 if code == "intensity" else 1) for code in codes]
        )
    first = 24 * mm
    rest = (WIDTH - first) / (len(rows[0]) - 1)
    return _grid(rows, [first] + [rest] * (len(rows[0]) - 1))


def _drawing(height: float) -> Drawing:
    d = Drawing(WIDTH, height)
    # the renderer's initial font (the state tracker reads ``initialFontName``), else every
    # drawing references a non-embedded Helvetica
    d.__dict__["initialFontName"] = font_name()
    return d


def _bars(title: str, labels: list[str], values: list[float], colour: str) -> Drawing:
    """A horizontal bar chart (largest first, from the top)."""
    n = max(len(values), 1)
    height = 24 + 13 * n + 20
    d = _drawing(height)
    d.add(String(0, height - 12, title, fontName=font_name(), fontSize=9))
    chart = HorizontalBarChart()
    chart.x, chart.y = 90, 14
    chart.width, chart.height = WIDTH - 120, 13 * n
    chart.data = [list(reversed(values)) or [0]]
    chart.categoryAxis.categoryNames = list(reversed(labels)) or [""]
    chart.categoryAxis.labels.fontName = font_name()
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = font_name()
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor(colour)
    chart.bars[0].strokeColor = None
    d.add(chart)
    return d


def _trend_chart(data: dict[str, Any]) -> Drawing:
    """The percentage indicators month by month (one line each, months without data skipped)."""
    height = 190
    d = _drawing(height)
    d.add(String(0, height - 12, "主要指标月度趋势（%）", fontName=font_name(), fontSize=9))
    lines, names = [], []
    for s in data["trends"]["series"]:
        if s["unit"] != "%":
            continue
        points = [
            (m, v)
            for m, v in zip(data["trends"]["months"], s["values"], strict=True)
            if v is not None
        ]
        if points:
            lines.append(points)
            names.append(SHORT.get(s["code"], s["name"]))
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 30, WIDTH - 180, height - 60
    plot.data = lines or [[(1, 0), (12, 0)]]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 1, 12
    plot.xValueAxis.valueSteps = list(range(1, 13))
    plot.xValueAxis.labelTextFormat = "%d月"
    plot.yValueAxis.valueMin = 0
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = font_name()
        axis.labels.fontSize = 7
    for k in range(len(lines)):
        plot.lines[k].strokeColor = colors.HexColor(PALETTE[k % len(PALETTE)])
        plot.lines[k].strokeWidth = 1.4
    if not lines:  # the axes only: the placeholder series is not drawn
        plot.lines[0].strokeColor = None
    d.add(plot)
    if names:
        legend = Legend()
        legend.x, legend.y = WIDTH - 130, height - 30
        legend.fontName, legend.fontSize = font_name(), 7
        legend.alignment = "right"
        legend.colorNamePairs = [
            (colors.HexColor(PALETTE[k % len(PALETTE)]), n) for k, n in enumerate(names)
        ]
        d.add(legend)
    else:
        d.add(
            String(
                WIDTH / 2 - 40, height / 2, "本年度暂无月度数据", fontName=font_name(), fontSize=9
            )
        )
    return d


def _from_table(table: DataTable, limit: int, widths: list[float]) -> Table:
    rows: list[list[Any]] = [[c.label for c in table.columns]]
    for row in table.rows[:limit]:
        out = []
        for v, col in zip(row, table.columns, strict=True):
            if col.kind == "rate":
                out.append("—" if v is None else f"{v * 100:.1f}%")
            elif col.kind in ("t", "num"):
                out.append(_num(v))
            else:
                out.append(str(v if v is not None else "—"))
        rows.append(out)
    left = [
        ("ALIGN", (k, 1), (k, -1), "LEFT")
        for k, col in enumerate(table.columns)
        if col.kind in ("text", "region", "status")
    ]
    return _grid(rows, widths, left)


def render(data: dict[str, Any], tables: dict[str, DataTable], region: Region, year: int) -> bytes:
    st = _Styles()
    title = f"{region.name}{year}年固体废物污染防治规划实施进展报告"
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="wufei",
        initialFontName=font_name(),
        invariant=1,
        pageCompression=1,
    )

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.setFont(font_name(), 7)
        canvas.drawString(14 * mm, 8 * mm, f"{title} · 生成时间 {printed}")
        canvas.drawRightString(A4[0] - 14 * mm, 8 * mm, f"第 {canvas.getPageNumber()} 页")

    story: list[Any] = [
        Paragraph(escape(title), st.title),
        Paragraph(f"统计区域：{escape(region.name)}（{region.code}） · 统计年度：{year}", st.sub),
        Spacer(1, 4 * mm),
        Paragraph("一、规划指标完成情况", st.h),
        _indicator_table(data, st),
        Paragraph(
            "状态：达标＝已达到当期目标；接近＝未达标但在预警区间内；未达标；无数据＝平台与统计均无数据。"
            "2027年及以前以2027年目标评价，之后以2030年目标评价。",
            st.body,
        ),
        KeepTogether([Paragraph("二、月度趋势", st.h), _trend_chart(data)]),
    ]
    if data["children"]:
        kids = sorted(data["children"], key=lambda c: -(c.get("hazardous_t") or 0))
        story += [
            Paragraph("三、下级地区", st.h),
            _children_table(data),
            Spacer(1, 3 * mm),
            _bars(
                "各地区危险废物产生量（t）",
                [c["name"] for c in kids],
                [c.get("hazardous_t") or 0.0 for c in kids],
                "#c62828",
            ),
        ]
    comp = data["composition"][:12]
    story += [
        Paragraph("四、产生结构（按类别）", st.h),
        _from_table(tables["composition"], 20, [18 * mm, 62 * mm, 14 * mm] + [(WIDTH - 94 * mm) / 4] * 4),
        Spacer(1, 3 * mm),
        _bars(
            "主要类别产生量（t）",
            [f"{r['category']}" for r in comp],
            [r["generated_t"] for r in comp],
            "#1565c0",
        ),
        Paragraph("五、预警与案件", st.h),
        _from_table(tables["warnings"], 10, [26 * mm] + [(WIDTH - 26 * mm) / (len(tables["warnings"].columns) - 1)] * (len(tables["warnings"].columns) - 1)),
        Spacer(1, 2 * mm),
        _from_table(tables["cases"], 10, [60 * mm, 30 * mm]),
        Paragraph("六、利用处置设施负荷", st.h),
        _from_table(tables["loads"], 30, [30 * mm, 46 * mm, 22 * mm, 16 * mm, 22 * mm, 22 * mm, WIDTH - 158 * mm]),
        Spacer(1, 3 * mm),
        Paragraph(
            "数据来源：平台台账、转移联单、接收记录（利用处置方式代码）、预警与线索；"
            "工业增加值等官方统计数据按年度导入。",
            st.body,
        ),
    ]  # fmt: skip
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
