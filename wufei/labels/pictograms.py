"""Hazard pictograms (危险特性警示图形) drawn as vectors: a white diamond with a black border,
a black symbol, and the Chinese word under it. Our own simple drawings (no copied artwork):

    T  毒性   skull and crossbones      C  腐蚀性  drops on a bar from two tubes
    I  易燃性  flame                    R  反应性  bursting bomb
    In 感染性  three rings round a core (biohazard-like)
"""

from __future__ import annotations

import math

from reportlab.pdfgen.canvas import Canvas

HAZARDS: dict[str, str] = {
    "T": "毒性",
    "C": "腐蚀性",
    "I": "易燃性",
    "R": "反应性",
    "In": "感染性",
}
HAZARD_ORDER = ("T", "C", "I", "R", "In")


def normalise_hazards(values) -> tuple[str, ...]:
    """``"T/In"``, ``"T,I"``, ``["t", "In"]`` → ``("T", "In")`` in T, C, I, R, In order.

    Raises ValueError naming an unknown characteristic.
    """
    if isinstance(values, str):
        values = values.replace("/", ",").replace("，", ",").replace(" ", ",").split(",")
    found = set()
    lookup = {code.lower(): code for code in HAZARDS}
    for raw in values:
        text = str(raw).strip()
        if not text:
            continue
        code = lookup.get(text.lower()) or {v: k for k, v in HAZARDS.items()}.get(text)
        if code is None:
            raise ValueError(f"unknown hazard characteristic {text!r} (T, C, I, R, In)")
        found.add(code)
    return tuple(code for code in HAZARD_ORDER if code in found)


def draw_pictogram(canvas: Canvas, code: str, cx: float, cy: float, size: float) -> None:
    """Draw the diamond for ``code`` centred at (cx, cy), ``size`` points corner to corner."""
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.scale(size, size)  # unit square: the diamond's corners are at ±0.5
    canvas.setLineJoin(1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.setLineWidth(0.045)
    p = canvas.beginPath()
    r = 0.5 - 0.0225
    p.moveTo(0, r)
    p.lineTo(r, 0)
    p.lineTo(0, -r)
    p.lineTo(-r, 0)
    p.close()
    canvas.drawPath(p, fill=1, stroke=1)
    canvas.setFillColorRGB(0, 0, 0)
    _SYMBOLS[code](canvas)
    canvas.restoreState()


def _toxic(c: Canvas) -> None:
    c.setLineCap(1)
    c.setLineWidth(0.05)
    c.line(-0.2, -0.2, 0.2, -0.02)
    c.line(-0.2, -0.02, 0.2, -0.2)
    c.circle(0, 0.1, 0.13, stroke=0, fill=1)
    c.rect(-0.075, -0.04, 0.15, 0.08, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.circle(-0.05, 0.11, 0.035, stroke=0, fill=1)
    c.circle(0.05, 0.11, 0.035, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)


def _corrosive(c: Canvas) -> None:
    for sign in (-1, 1):
        c.saveState()
        c.translate(0.1 * sign, 0.2)
        c.rotate(-35 * sign)
        c.rect(-0.03, -0.01, 0.06, 0.17, stroke=0, fill=1)
        c.restoreState()
        for k in range(2):
            c.circle(0.09 * sign - 0.03 * sign, 0.08 - 0.08 * k, 0.022, stroke=0, fill=1)
    c.rect(-0.24, -0.2, 0.48, 0.06, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.rect(-0.1, -0.18, 0.05, 0.05, stroke=0, fill=1)
    c.rect(0.06, -0.18, 0.05, 0.05, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)


def _flame(c: Canvas) -> None:
    p = c.beginPath()
    p.moveTo(0, -0.16)
    p.curveTo(-0.2, -0.16, -0.2, 0.05, -0.06, 0.12)
    p.curveTo(-0.07, 0.05, -0.02, 0.02, 0.0, 0.0)
    p.curveTo(0.0, 0.12, 0.06, 0.2, 0.02, 0.3)
    p.curveTo(0.2, 0.2, 0.2, -0.16, 0, -0.16)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.rect(-0.2, -0.22, 0.4, 0.035, stroke=0, fill=1)


def _reactive(c: Canvas) -> None:
    p = c.beginPath()
    spikes = 10
    for k in range(spikes * 2):
        radius = 0.26 if k % 2 == 0 else 0.13
        angle = math.pi * k / spikes + math.pi / 2
        x, y = radius * math.cos(angle), radius * math.sin(angle) + 0.02
        if k == 0:
            p.moveTo(x, y)
        else:
            p.lineTo(x, y)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.circle(0, 0.02, 0.07, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)


def _infectious(c: Canvas) -> None:
    c.setLineWidth(0.045)
    for k in range(3):
        angle = math.pi / 2 + k * 2 * math.pi / 3
        c.circle(0.1 * math.cos(angle), 0.1 * math.sin(angle) + 0.01, 0.1, stroke=1, fill=0)
    c.circle(0, 0.01, 0.045, stroke=0, fill=1)


_SYMBOLS = {"T": _toxic, "C": _corrosive, "I": _flame, "R": _reactive, "In": _infectious}
