"""Make the label font: a GB2312 subset of LXGW WenKai Regular (OFL-1.1), renamed.

    python wufei/labels/fonts/scripts/make_subset.py SOURCE.ttf [OUT.ttf]

SOURCE is ``LXGWWenKai-Regular.ttf`` from Debian's ``fonts-lxgw-wenkai`` package
(1.250+repack-1, bookworm): ``apt-get download fonts-lxgw-wenkai && dpkg-deb -x
fonts-lxgw-wenkai_*.deb x`` puts it in ``x/usr/share/fonts/truetype/lxgw-wenkai/``.
It has TrueType (glyf) outlines, which reportlab can embed, and is 15.7 MB, so we keep
only what a label needs:

* ASCII and Latin-1, general punctuation, arrows, maths operators, letter-like symbols
  (℃ № ㎡ …), enclosed numbers (①…), CJK symbols and punctuation, full-width forms;
* every character of GB 2312 (levels 1 and 2: 6,763 hanzi, plus its 682 symbols).

The OFL reserves the names "LXGW" and "霞鹜" for unmodified fonts; a subset is a modified
version, so the family is renamed to "Wufei Label Kai" (the copyright and licence records
are kept). Requires fontTools (a dev-time tool: the platform only reads the result).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "Wufei Label Kai"
POSTSCRIPT = "WufeiLabelKai-Regular"
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "WufeiLabelKai-Regular.ttf"

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x2010, 0x206F),  # general punctuation
    (0x2100, 0x214F),  # letter-like symbols (℃ №)
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # maths operators (≤ ≥)
    (0x2460, 0x24FF),  # enclosed alphanumerics (①)
    (0x25A0, 0x25FF),  # geometric shapes (□ ■ ○ ●)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility (㎡ ㎏)
    (0xFF00, 0xFFEF),  # full-width forms
]


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes (rows 0xA1-0xF7 × columns 0xA1-0xFE)."""
    chars: set[str] = set()
    for row in range(0xA1, 0xF8):
        for col in range(0xA1, 0xFF):
            try:
                chars.add(bytes([row, col]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def wanted_codepoints() -> set[int]:
    points = {ord(c) for c in gb2312_characters()}
    for lo, hi in RANGES:
        points.update(range(lo, hi + 1))
    return points


def rename(font: TTFont) -> None:
    name = font["name"]
    original = name.getDebugName(5) or ""
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 21, 22):
            name.removeNames(nameID=record.nameID)
    for platform in ((3, 1, 0x409), (1, 0, 0)):
        name.setName(FAMILY, 1, *platform)
        name.setName("Regular", 2, *platform)
        name.setName(f"{FAMILY}:{original}", 3, *platform)
        name.setName(FAMILY, 4, *platform)
        name.setName(POSTSCRIPT, 6, *platform)
    note = (
        "GB2312 subset of LXGW WenKai Regular " + original + ", renamed under OFL-1.1 "
        "(Reserved Font Names LXGW and 霞鹜) for the wufei label printer."
    )
    name.setName(note, 10, 3, 1, 0x409)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    source = Path(argv[1])
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    font = TTFont(source)
    if "glyf" not in font:
        raise SystemExit(f"{source}: no glyf table (CFF outlines cannot be embedded by reportlab)")
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["BASE", "vhea", "vmtx", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted_codepoints())
    subsetter.subset(font)
    rename(font)
    font.save(out)
    print(f"{out}: {len(font.getGlyphOrder())} glyphs, {out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
