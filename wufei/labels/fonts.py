"""The label font: "Wufei Label Kai", a GB 2312 subset of LXGW WenKai (OFL-1.1).

TrueType (glyf) outlines, so reportlab embeds it (a per-document subset) and the label prints
the same on every viewer and printer. See fonts/README.md for where it comes from.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "WufeiLabelKai-Regular.ttf"
FONT_NAME = "WufeiLabelKai"

# Ink of a hanzi spans about -0.09 .. 0.83 em around the baseline (measured on the font).
INK_BOTTOM_EM = -0.09
INK_TOP_EM = 0.83
INK_MIDDLE_EM = (INK_TOP_EM + INK_BOTTOM_EM) / 2


@lru_cache(maxsize=1)
def font_name() -> str:
    """Register the TrueType font with reportlab once; return its name."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE)))
    return FONT_NAME


_widths: dict[str, float] = {}


def char_em(ch: str) -> float:
    """Advance width of one character in em (cached)."""
    width = _widths.get(ch)
    if width is None:
        width = pdfmetrics.stringWidth(ch, font_name(), 1.0)
        _widths[ch] = width
    return width


def text_em(text: str) -> float:
    """Advance width of a string in em."""
    return sum(char_em(ch) for ch in text)


@lru_cache(maxsize=1)
def _cmap() -> frozenset[int]:
    font = pdfmetrics.getFont(font_name())
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def missing_characters(text: str) -> set[str]:
    """Characters the label font cannot draw (they would print as an empty box)."""
    cmap = _cmap()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
