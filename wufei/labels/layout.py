"""Label geometry (HJ 1276 sizes) and fitting text into boxes.

Sizes by container volume [S, REGULATIONS.md §2.1]: ≤50 L 100×100 mm, minimum text height
3 mm; >50 and <450 L 150×150 mm, 5 mm; ≥450 L 200×200 mm, 6 mm, printed twice (two opposite
sides). Text height is taken as the font size (the em, the nominal 字号); a hanzi's ink is
about 0.9 em. Text shrinks from its preferred size down to the minimum, then wraps, and as a
last resort is cut with "…": it never leaves its box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from .fonts import char_em, text_em

LEADING = 1.1  # line height / font size
ELLIPSIS = "…"
# Characters that must not begin a line (kinsoku): the wrapper keeps them on the line before.
NO_LINE_START = set("，。、；：？！）》」』】〉,.;:?!)]}%…·")


@dataclass(frozen=True)
class LabelSize:
    side_mm: float  # square label side
    min_text_mm: float  # minimum text height
    copies: int  # labels per container (2: two opposite sides)

    @property
    def scale(self) -> float:
        """Factor from the 100 mm design grid."""
        return self.side_mm / 100.0


SMALL = LabelSize(100, 3, 1)
MEDIUM = LabelSize(150, 5, 1)
LARGE = LabelSize(200, 6, 2)


def size_for_volume(volume_litres: Decimal | float | int) -> LabelSize:
    """HJ 1276 label size for a container of this volume (litres, > 0)."""
    volume = Decimal(str(volume_litres))
    if volume <= 0:
        raise ValueError("the container volume must be positive")
    if volume <= 50:
        return SMALL
    if volume < 450:
        return MEDIUM
    return LARGE


@dataclass(frozen=True)
class Fitted:
    """Text fitted into a box: font size (mm) and its lines.

    With ``hanging`` the caption starts the first line and every line of the value is
    indented by the caption's width; without it the caption is a line of its own.
    """

    size: float
    caption: str
    lines: tuple[str, ...]
    hanging: bool
    truncated: bool = False

    @property
    def line_height(self) -> float:
        return self.size * LEADING

    def widths(self) -> list[float]:
        """Width (mm) of each drawn line, the caption included where it is drawn."""
        cap = text_em(self.caption) * self.size
        if self.hanging:
            return [cap + text_em(line) * self.size for line in self.lines] or [cap]
        return [cap, *(text_em(line) * self.size for line in self.lines)]

    @property
    def height(self) -> float:
        count = len(self.lines) if self.hanging else len(self.lines) + 1
        return max(count, 1) * self.line_height


def wrap(text: str, width_em: float) -> list[str]:
    """Greedy wrap of ``text`` into lines no wider than ``width_em``.

    Breaks between any two hanzi, at spaces inside Latin text when it can, never before
    closing punctuation; a newline in the text forces a break.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph.strip(), width_em))
    return lines


def _wrap_paragraph(text: str, width_em: float) -> list[str]:
    if not text:
        return []
    lines: list[str] = []
    start, used, i, n = 0, 0.0, 0, len(text)
    last_space = -1
    while i < n:
        ch = text[i]
        w = char_em(ch)
        if ch == " ":
            last_space = i
        if used + w > width_em and i > start:
            cut = i
            if ch in NO_LINE_START and cut - 1 > start:
                cut -= 1  # carry the previous character down with the punctuation
            elif ch.isascii() and ch.isalnum() and start < last_space < i:
                cut = last_space + 1  # break Latin text at the last space
            lines.append(text[start:cut].rstrip())
            start = cut
            while start < n and text[start] == " ":
                start += 1
            i, used, last_space = start, 0.0, -1
            continue
        used += w
        i += 1
    if start < n:
        lines.append(text[start:])
    return lines


def _ellipsize(line: str, width_em: float) -> str:
    limit = width_em - char_em(ELLIPSIS)
    out, used = [], 0.0
    for ch in line:
        w = char_em(ch)
        if used + w > limit:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def _sizes(preferred: float, minimum: float) -> list[float]:
    sizes, size = [], preferred
    while size > minimum:
        sizes.append(size)
        size *= 0.94
    sizes.append(minimum)
    return sizes


def fit(
    caption: str,
    value: str,
    width: float,
    height: float,
    preferred: float,
    minimum: float,
    *,
    hanging: bool = True,
) -> Fitted:
    """Fit ``caption`` + ``value`` into a ``width`` × ``height`` mm box.

    Tries sizes from ``preferred`` down to ``minimum`` (mm); at each size wraps the value; the
    first size whose lines fit wins. If none does, the text is set at ``minimum`` and cut with
    "…" on the last line that fits (``truncated``).
    """
    preferred = max(preferred, minimum)
    caption_em = text_em(caption)
    value = " ".join(value.split()) if "\n" not in value else value
    for size in _sizes(preferred, minimum):
        max_lines = math.floor(height / (size * LEADING) + 1e-6)
        if max_lines < 1:
            continue
        avail = width / size - (caption_em if hanging else 0.0)
        if not hanging:
            if caption_em > width / size:
                continue
            max_lines -= 1
        if avail <= 0 or max_lines < (1 if hanging else 0):
            continue
        lines = wrap(value, avail)
        if len(lines) <= max_lines:
            return Fitted(size, caption, tuple(lines), hanging)
    # Last resort: the minimum size, cut to the lines that fit.
    size = minimum
    max_lines = max(math.floor(height / (size * LEADING) + 1e-6), 1)
    if not hanging:
        max_lines = max(max_lines - 1, 0)
    avail = width / size - (caption_em if hanging else 0.0)
    lines = wrap(value, max(avail, 0.0))[:max_lines] if avail > 0 else []
    if lines:
        lines[-1] = _ellipsize(lines[-1], avail)
    return Fitted(size, caption, tuple(lines), hanging, truncated=True)
