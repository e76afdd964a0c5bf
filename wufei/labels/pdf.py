"""HJ 1276-2022 hazardous-waste labels (危险废物标签) as one PDF, one page per label.

``render_labels(labels)`` draws each :class:`LabelData` on a square page sized for its
container (layout.size_for_volume: 100 / 150 / 200 mm; containers ≥450 L get two pages, for two
opposite sides): orange RGB(255,150,0) background, ≥3 mm margin, ≥1 mm black border, the title
危险废物, the fields HJ 1276 lists, the hazard pictograms and the QR code, all vectors. Text
is set in the embedded TrueType font (fonts.py) so Chinese prints anywhere.

The grid is designed for the 100 mm label (content box 89 × 89 mm) and scaled; text sizes
never go under the label's minimum height (3 / 5 / 6 mm) and text shrinks, wraps or, at
worst, is cut with "…" inside its box (layout.fit).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import INK_MIDDLE_EM, font_name, text_em
from .ident import SEGMENTS, IdentCodeError, clean_waste_code, parse_ident_code
from .layout import Fitted, LabelSize, fit, size_for_volume
from .pictograms import HAZARDS, draw_pictogram, normalise_hazards
from .qr import QUIET_ZONE, qr_matrix, qr_runs

ORANGE = (255 / 255, 150 / 255, 0)
MARGIN = 3.0  # blank margin outside the border (design mm, scaled with the label)
BORDER = 1.2  # border line width (≥ 1 mm)
PAD = 1.3  # between the border and the content
CONTENT = 100 - 2 * (MARGIN + BORDER + PAD)  # 89 mm on the 100 mm design
CELL_PAD = 0.7  # text inset from the cell's left and right edge
ROW1, ROW2 = 4.0, 7.4  # one-line and two-line row heights (design mm)
TITLE = "危险废物"
CAPTION_WEIGHT = 0.06  # stroke added to captions, in em
TITLE_WEIGHT = 0.04
SAMPLE_MARK = "样例 SAMPLE"


class LabelDataError(ValueError):
    """A label cannot be printed: ``field`` names what is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class LabelData:
    """Everything printed on one HJ 1276 label (REGULATIONS.md §2.1)."""

    waste_name: str  # 废物名称
    waste_category: str  # 废物类别, HW08
    waste_code: str  # 废物代码, 900-249-08
    waste_form: str  # 废物形态 (固态/半固态/液态/气态…)
    hazards: tuple[str, ...]  # 危险特性: "T", "C", "I", "R", "In"
    main_components: str  # 主要成分
    harmful_components: str  # 有害成分
    precautions: str  # 注意事项
    ident_code: str  # 数字识别码 (37 characters)
    producer_name: str  # 产生/收集单位
    contact_person: str  # 联系人
    contact_phone: str  # 联系方式
    produced_on: date  # 产生日期
    weight_kg: Decimal  # 废物重量
    volume_litres: Decimal  # container volume: sets the label size
    remarks: str = ""  # 备注
    qr_payload: str = ""  # what the QR carries; default: the identification code
    sample: bool = field(default=False)  # print "样例 SAMPLE" across the label

    def __post_init__(self) -> None:
        for name in ("waste_name", "waste_category", "waste_code", "waste_form", "producer_name"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise LabelDataError(name, "is empty")
        try:
            hazards = normalise_hazards(self.hazards)
        except ValueError as exc:
            raise LabelDataError("hazards", str(exc)) from exc
        if not hazards:
            raise LabelDataError("hazards", "at least one of T, C, I, R, In is needed")
        object.__setattr__(self, "hazards", hazards)
        try:
            code = clean_waste_code(self.waste_code)
            parts = parse_ident_code(self.ident_code)
        except IdentCodeError as exc:
            raise LabelDataError(
                "ident_code" if exc.part != "waste_code" else "waste_code", str(exc)
            ) from exc
        object.__setattr__(self, "waste_code", code)
        object.__setattr__(self, "ident_code", parts.code)
        category = self.waste_category.strip().upper()
        if category != "HW" + code[-2:]:
            raise LabelDataError("waste_category", f"{category} does not match waste code {code}")
        object.__setattr__(self, "waste_category", category)
        if parts.waste_code != code:
            raise LabelDataError("ident_code", f"names waste code {parts.waste_code}, not {code}")
        if not isinstance(self.produced_on, date):
            raise LabelDataError("produced_on", "is not a date")
        if parts.produced_on != self.produced_on:
            raise LabelDataError(
                "ident_code", f"names date {parts.produced_on}, not {self.produced_on}"
            )
        for name in ("weight_kg", "volume_litres"):
            try:
                number = Decimal(str(getattr(self, name)))
            except (InvalidOperation, ValueError) as exc:
                raise LabelDataError(name, "is not a number") from exc
            if not number.is_finite() or number < 0 or (name == "volume_litres" and number == 0):
                raise LabelDataError(name, "must be a positive number")
            object.__setattr__(self, name, number)
        object.__setattr__(self, "qr_payload", (self.qr_payload or "").strip() or parts.code)

    @property
    def size(self) -> LabelSize:
        return size_for_volume(self.volume_litres)

    @property
    def weight_text(self) -> str:
        return f"{self.weight_kg.quantize(Decimal('0.1')):f} kg"


@dataclass(frozen=True)
class Box:
    """A cell of the grid in page millimetres, origin at the page's top-left."""

    key: str
    caption: str
    x: float
    y: float
    w: float
    h: float


def grid(size: LabelSize) -> list[Box]:
    """The cells of a label of this size (design grid × scale, offset by the margins)."""
    k = size.scale
    o = MARGIN + BORDER + PAD
    left_w, right_w = 64.0, CONTENT - 64.0
    rows: list[tuple[str, str, float, float, float, float]] = [
        ("title", "", 0, 0, CONTENT, 10.0),
        ("waste_name", "废物名称：", 0, 10.0, CONTENT, ROW2),
        ("waste_category", "废物类别：", 0, 17.4, 36, ROW1),
        ("waste_code", "废物代码：", 36, 17.4, CONTENT - 36, ROW1),
        ("waste_form", "废物形态：", 0, 21.4, 36, ROW1),
        ("weight", "废物重量：", 36, 21.4, CONTENT - 36, ROW1),
        ("hazards", "危险特性：", 0, 25.4, CONTENT, 14.4),
    ]
    y = 39.8
    for key, caption, h in (
        ("main_components", "主要成分：", ROW2),
        ("harmful_components", "有害成分：", ROW2),
        ("precautions", "注意事项：", ROW2),
        ("producer_name", "产生/收集单位：", ROW2),
        ("contact_person", "联系人：", ROW1),
        ("contact_phone", "联系方式：", ROW1),
        ("produced_on", "产生日期：", ROW1),
    ):
        rows.append((key, caption, 0, y, left_w, h))
        y += h
    middle_top = 39.8
    rows.append(("qr", "", left_w, middle_top, right_w, right_w))
    rows.append(
        ("remarks", "备注：", left_w, middle_top + right_w, right_w, y - middle_top - right_w)
    )
    rows.append(("ident_code", "数字识别码：", 0, y, CONTENT, ROW2))
    boxes = [
        Box(key, caption, (o + x) * k, (o + yy) * k, w * k, h * k)
        for key, caption, x, yy, w, h in rows
    ]
    return boxes


def field_texts(label: LabelData) -> dict[str, str]:
    return {
        "waste_name": label.waste_name,
        "waste_category": label.waste_category,
        "waste_code": label.waste_code,
        "waste_form": label.waste_form,
        "weight": label.weight_text,
        "main_components": label.main_components,
        "harmful_components": label.harmful_components,
        "precautions": label.precautions,
        "producer_name": label.producer_name,
        "contact_person": label.contact_person,
        "contact_phone": label.contact_phone,
        "produced_on": label.produced_on.isoformat(),
        "remarks": label.remarks,
        "ident_code": ident_display(label.ident_code),
    }


def ident_display(code: str) -> str:
    """The code as printed: its four segments separated by spaces, so a line breaks between them."""
    return " ".join(code[start:end] for _name, start, end in SEGMENTS)


def fit_label(label: LabelData) -> dict[str, tuple[Box, Fitted]]:
    """Every text cell of ``label`` with its fitted text (what will be drawn, in mm)."""
    size = label.size
    k = size.scale
    texts = field_texts(label)
    fitted: dict[str, tuple[Box, Fitted]] = {}
    for box in grid(size):
        if box.key in ("title", "qr"):
            continue
        width = box.w - 2 * CELL_PAD * k
        if box.key == "hazards":
            f = fit(box.caption, "", width, box.h, 3.3 * k, size.min_text_mm)
        elif box.key == "remarks":  # narrow: caption beside or above, whichever fits better
            f = max(
                (
                    fit(
                        box.caption,
                        texts[box.key],
                        width,
                        box.h,
                        3.3 * k,
                        size.min_text_mm,
                        hanging=h,
                    )
                    for h in (True, False)
                ),
                key=lambda f: (not f.truncated, f.size, f.hanging),
            )
        else:
            f = fit(box.caption, texts[box.key], width, box.h, 3.3 * k, size.min_text_mm)
        fitted[box.key] = (box, f)
    return fitted


# --------------------------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------------------------
def _y(size: LabelSize, y_mm: float) -> float:
    """Top-down millimetres → reportlab points from the bottom."""
    return (size.side_mm - y_mm) * mm


def _draw_lines(c: Canvas, size: LabelSize, box: Box, f: Fitted) -> None:
    """Caption and value lines, the block centred vertically in the box."""
    x0 = box.x + CELL_PAD * size.scale
    placed: list[tuple[int, float, str]] = []  # (row, indent, text)
    if f.hanging:
        indent = text_em(f.caption) * f.size
        if f.caption:
            placed.append((0, 0.0, f.caption))
        placed.extend((row, indent, line) for row, line in enumerate(f.lines))
        rows = max(len(f.lines), 1)
    else:
        placed.append((0, 0.0, f.caption))
        placed.extend((row + 1, 0.0, line) for row, line in enumerate(f.lines))
        rows = len(f.lines) + 1
    top = box.y + max((box.h - rows * f.line_height) / 2, 0)
    c.setLineWidth(f.size * CAPTION_WEIGHT * mm)
    for i, (row, dx, text) in enumerate(placed):
        baseline = top + (row + 0.5) * f.line_height + INK_MIDDLE_EM * f.size
        t = c.beginText((x0 + dx) * mm, _y(size, baseline))
        t.setFont(font_name(), f.size * mm)
        t.setTextRenderMode(2 if i == 0 and f.caption else 0)  # captions a little bolder
        t.textOut(text)
        c.drawText(t)


def _draw_title(c: Canvas, size: LabelSize, box: Box) -> None:
    font = font_name()
    em = min(box.h * 0.72, box.w / (text_em(TITLE) + 0.5))
    width = text_em(TITLE) * em
    baseline = box.y + box.h / 2 + INK_MIDDLE_EM * em
    t = c.beginText()
    t.setTextRenderMode(2)  # fill and stroke: a bold title from the one regular font
    c.setLineWidth(em * TITLE_WEIGHT * mm)
    t.setFont(font, em * mm)
    t.setTextOrigin((box.x + (box.w - width) / 2) * mm, _y(size, baseline))
    t.textOut(TITLE)
    t.setTextRenderMode(0)
    c.drawText(t)


def _draw_hazards(c: Canvas, size: LabelSize, box: Box, f: Fitted, hazards: Sequence[str]) -> None:
    k = size.scale
    _draw_lines(c, size, box, f)
    start = box.x + CELL_PAD * k + text_em(f.caption) * f.size + 0.5 * k
    cell_w = (box.x + box.w - CELL_PAD * k - start) / len(HAZARDS)
    word = size.min_text_mm
    gap = 0.4 * k
    diamond = min(cell_w * 0.92, box.h - word * 1.1 - 3 * gap)
    top = box.y + (box.h - (diamond + gap + word * 1.1)) / 2
    c.setFont(font_name(), word * mm)
    for i, code in enumerate(hazards):
        cx = start + cell_w * (i + 0.5)
        draw_pictogram(c, code, cx * mm, _y(size, top + diamond / 2), diamond * mm)
        c.setFillColorRGB(0, 0, 0)
        name = HAZARDS[code]
        w = text_em(name) * word
        baseline = top + diamond + gap + word * 0.55 + INK_MIDDLE_EM * word
        c.drawString((cx - w / 2) * mm, _y(size, baseline), name)


def _draw_qr(c: Canvas, size: LabelSize, box: Box, payload: str) -> None:
    """The QR as vector rectangles on a white square (quiet zone included).

    The path is written in module units under one transformation matrix (y pointing down), so
    each run is four small integers: fast to write and compact.
    """
    matrix = qr_matrix(payload)
    n = len(matrix) + 2 * QUIET_ZONE
    side = min(box.w, box.h) - 1.0 * size.scale
    module = side / n
    x0 = box.x + (box.w - side) / 2
    y0 = box.y + (box.h - side) / 2
    c.setFillColorRGB(1, 1, 1)
    c.rect(x0 * mm, _y(size, y0 + side), side * mm, side * mm, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    origin_x = (x0 + QUIET_ZONE * module) * mm
    origin_y = _y(size, y0 + QUIET_ZONE * module)
    m = module * mm
    ops = [f"q {m:.5f} 0 0 {-m:.5f} {origin_x:.3f} {origin_y:.3f} cm"]
    ops.extend(f"{x} {y} {w} {h} re" for x, y, w, h in qr_runs(matrix))
    ops.append("f Q")
    c.addLiteral("\n".join(ops))


def _draw_grid(c: Canvas, size: LabelSize, boxes: Iterable[Box]) -> None:
    k = size.scale
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.25 * k * mm)
    o = (MARGIN + BORDER + PAD) * k
    right = size.side_mm - o
    for box in boxes:
        if box.key == "title":
            c.setLineWidth(0.4 * k * mm)
            c.line(o * mm, _y(size, box.y + box.h), right * mm, _y(size, box.y + box.h))
            c.setLineWidth(0.25 * k * mm)
            continue
        bottom = box.y + box.h
        if bottom < right - 0.01:
            c.line(box.x * mm, _y(size, bottom), (box.x + box.w) * mm, _y(size, bottom))
        if box.x > o + 0.01:
            c.line(box.x * mm, _y(size, box.y), box.x * mm, _y(size, bottom))


def draw_label(c: Canvas, label: LabelData) -> None:
    """Draw one label on the current page (the caller sets the page size and calls showPage)."""
    size = label.size
    k = size.scale
    side = size.side_mm * mm
    c.setFillColorRGB(*ORANGE)
    c.rect(0, 0, side, side, stroke=0, fill=1)
    inset = (MARGIN + BORDER / 2) * k * mm
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(BORDER * k * mm)
    c.rect(inset, inset, side - 2 * inset, side - 2 * inset, stroke=1, fill=0)
    boxes = grid(size)
    _draw_grid(c, size, boxes)
    fitted = fit_label(label)
    c.setFillColorRGB(0, 0, 0)
    for box in boxes:
        if box.key == "title":
            _draw_title(c, size, box)
        elif box.key == "qr":
            _draw_qr(c, size, box, label.qr_payload)
            c.setFillColorRGB(0, 0, 0)
        elif box.key == "hazards":
            _draw_hazards(c, size, box, fitted[box.key][1], label.hazards)
        else:
            _draw_lines(c, size, box, fitted[box.key][1])
    if label.sample:
        _draw_sample_mark(c, size)


def _draw_sample_mark(c: Canvas, size: LabelSize) -> None:
    c.saveState()
    c.setFillColorRGB(0.85, 0, 0)
    c.setFillAlpha(0.35)
    em = size.side_mm * 0.11
    c.translate(size.side_mm / 2 * mm, size.side_mm / 2 * mm)
    c.rotate(35)
    t = c.beginText()
    t.setFont(font_name(), em * mm)
    t.setTextRenderMode(0)
    t.setTextOrigin(-text_em(SAMPLE_MARK) * em / 2 * mm, -em * INK_MIDDLE_EM * mm)
    t.textOut(SAMPLE_MARK)
    c.drawText(t)
    c.restoreState()


def render_labels(labels: Sequence[LabelData], *, title: str = "危险废物标签") -> bytes:
    """One PDF with a page per label (two for containers ≥450 L), in the order given."""
    if not labels:
        raise ValueError("no labels to render")
    buffer = io.BytesIO()
    c = Canvas(buffer, pageCompression=1, invariant=1, initialFontName=font_name())
    c.setTitle(title)
    c.setCreator("wufei (无废) labels")
    c.setSubject("HJ 1276-2022")
    for index, label in enumerate(labels):
        side = label.size.side_mm * mm
        if label.size.copies == 1:
            c.setPageSize((side, side))
            draw_label(c, label)
            c.showPage()
            continue
        form = f"label{index}"  # drawn once, placed on each copy's page
        c.beginForm(form, 0, 0, side, side)
        draw_label(c, label)
        c.endForm()
        for _copy in range(label.size.copies):
            c.setPageSize((side, side))
            c.doForm(form)
            c.showPage()
    c.save()
    return buffer.getvalue()
