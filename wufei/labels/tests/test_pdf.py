# ruff: noqa: S603, S607  (the tests run poppler-utils and node, found on PATH)
"""The label PDF: sizes, pages, embedded font, drawn Chinese text, QR that decodes, no overflow."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from wufei.labels import pdf as pdf_module
from wufei.labels.fonts import FONT_FILE
from wufei.labels.ident import make_ident_code
from wufei.labels.layout import LARGE, MEDIUM, SMALL
from wufei.labels.pdf import LabelDataError, fit_label, grid, render_labels
from wufei.labels.qr import qr_payload

from .conftest import DAY, USCC, make_label

POPPLER = shutil.which("pdftoppm") and shutil.which("pdffonts") and shutil.which("pdfinfo")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="needs poppler-utils (apt-get install poppler-utils)"
)
MM = 72 / 25.4


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)
    ]


def to_png(
    pdf: bytes, tmp_path: Path, dpi: int = 150, page: int = 1, name: str = "render"
) -> Image.Image:
    src = tmp_path / f"{name}-{dpi}-{page}.pdf"
    src.write_bytes(pdf)
    stem = tmp_path / f"{name}-{dpi}-{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(src),
            str(stem),
        ],
        check=True,
    )
    return Image.open(f"{stem}.png").convert("L")


def dark_fraction(image: Image.Image, box_mm: tuple[float, float, float, float], dpi: int) -> float:
    x, y, w, h = (round(v / 25.4 * dpi) for v in box_mm)
    pixels = image.crop((x, y, x + w, y + h)).tobytes()  # mode L: one byte a pixel
    return sum(1 for p in pixels if p < 80) / len(pixels)


# --- LabelData ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"waste_name": ""}, "waste_name"),
        ({"waste_name": "   "}, "waste_name"),
        ({"producer_name": ""}, "producer_name"),
        ({"waste_form": ""}, "waste_form"),
        ({"hazards": ()}, "hazards"),
        ({"hazards": ("T", "X")}, "hazards"),
        ({"waste_category": "HW09"}, "waste_category"),
        ({"waste_code": "900-249"}, "waste_code"),
        ({"ident_code": "123"}, "ident_code"),
        ({"ident_code": make_ident_code(USCC, "900-041-49", DAY, 7)}, "ident_code"),
        ({"ident_code": make_ident_code(USCC, "900-249-08", date(2025, 3, 19), 7)}, "ident_code"),
        ({"weight_kg": Decimal("-1")}, "weight_kg"),
        ({"weight_kg": "abc"}, "weight_kg"),
        ({"volume_litres": 0}, "volume_litres"),
        ({"produced_on": "2025-03-18"}, "produced_on"),
    ],
)
def test_bad_label_data(overrides, field):
    with pytest.raises(LabelDataError) as err:
        make_label(**overrides)
    assert err.value.field == field
    assert isinstance(err.value, ValueError)


def test_label_data_is_normalised():
    label = make_label(hazards="In/t", waste_category="hw08", waste_code="90024908", weight_kg=12)
    assert label.hazards == ("T", "In")
    assert label.waste_category == "HW08" and label.waste_code == "900-249-08"
    assert label.weight_text == "12.0 kg"
    assert label.qr_payload == label.ident_code  # default: the bare code
    with pytest.raises(AttributeError):
        label.waste_name = "x"  # type: ignore[misc]


def test_no_labels_is_an_error():
    with pytest.raises(ValueError):
        render_labels([])


# --- layout: nothing leaves its box ----------------------------------------------------------------
@pytest.mark.parametrize("size", [SMALL, MEDIUM, LARGE])
def test_grid_stays_inside_the_border(size):
    inner = (pdf_module.MARGIN + pdf_module.BORDER) * size.scale
    for box in grid(size):
        assert box.x >= inner - 1e-6 and box.y >= inner - 1e-6
        assert box.x + box.w <= size.side_mm - inner + 1e-6
        assert box.y + box.h <= size.side_mm - inner + 1e-6
    assert pdf_module.MARGIN * size.scale >= 3 and pdf_module.BORDER * size.scale >= 1


@pytest.mark.parametrize("volume", [30, 200, 1000])
@pytest.mark.parametrize("long", [False, True])
def test_text_fits_its_box_at_or_above_the_minimum_height(volume, long):
    text = "含重金属及有机物的混合废液，" * 20 if long else None
    overrides = {"volume_litres": volume}
    if long:
        overrides.update(
            waste_name=text,
            main_components=text,
            harmful_components=text,
            precautions=text,
            producer_name=text,
            contact_person=text,
            contact_phone="0" * 80,
            remarks=text,
        )
    label = make_label(**overrides)
    k = label.size.scale
    for key, (box, fitted) in fit_label(label).items():
        assert fitted.size >= label.size.min_text_mm - 1e-9, key
        assert max(fitted.widths()) <= box.w - 2 * pdf_module.CELL_PAD * k + 1e-6, key
        assert fitted.height <= box.h + 1e-6, key
        if long and key not in (
            "hazards",
            "waste_category",
            "waste_code",
            "waste_form",
            "weight",
            "produced_on",
            "ident_code",
        ):
            assert fitted.truncated, key
        if key == "ident_code":
            assert not fitted.truncated
            assert "".join(fitted.lines).replace(" ", "") == label.ident_code


# --- the PDF -----------------------------------------------------------------------------------
@needs_poppler
def test_page_sizes_and_two_sides_for_large_containers(tmp_path):
    pdf = render_labels([make_label(volume_litres=v) for v in (30, 200, 1000)])
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 4  # 1000 L: two pages (two opposite sides)
    expected = [100, 150, 200, 200]
    for (w, h), side in zip(pages, expected, strict=True):
        assert w == pytest.approx(side * MM, abs=0.05) and h == pytest.approx(side * MM, abs=0.05)


@needs_poppler
def test_font_is_embedded_and_the_only_font(tmp_path):
    path = tmp_path / "l.pdf"
    path.write_bytes(render_labels([make_label(), make_label(volume_litres=1000)]))
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    for row in rows:
        assert "WufeiLabelKai" in row[0], out
        assert row[-5:-2] == ["yes", "yes", "yes"], out  # emb, sub, uni


def test_font_file_is_truetype_glyf_and_renamed():
    font = TTFont(FONT_FILE, lazy=True)
    assert "glyf" in font and "CFF " not in font
    names = " ".join(str(record) for record in font["name"].names if record.nameID in (1, 4, 6))
    assert "Wufei Label Kai" in names and "LXGW" not in names and "霞鹜" not in names
    licence = (FONT_FILE.parent / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "fonts-lxgw-wenkai" in (FONT_FILE.parent / "README.md").read_text()


@needs_poppler
def test_chinese_text_is_actually_drawn(tmp_path, monkeypatch):
    """The title box has ink, and two different Chinese titles give different pictures
    (empty boxes for missing glyphs would look the same)."""
    dpi = 150
    label = make_label(volume_litres=30)
    title = next(b for b in grid(label.size) if b.key == "title")
    box = (title.x, title.y + 0.5, title.w, title.h - 1.5)  # inside the lines around it

    first = to_png(render_labels([label]), tmp_path, dpi, name="first")
    monkeypatch.setattr(pdf_module, "TITLE", "固体废物")
    second = to_png(render_labels([label]), tmp_path, dpi, name="second")
    monkeypatch.setattr(pdf_module, "TITLE", "")
    blank = to_png(render_labels([label]), tmp_path, dpi, name="blank")

    ink, other, none = (dark_fraction(img, box, dpi) for img in (first, second, blank))
    assert none < 0.002
    assert ink > 0.05 and other > 0.05
    x, y, w, h = (round(v / 25.4 * dpi) for v in box)
    a = first.crop((x, y, x + w, y + h)).tobytes()
    b = second.crop((x, y, x + w, y + h)).tobytes()
    differing = sum(1 for p, q in zip(a, b, strict=True) if (p < 80) != (q < 80))
    assert differing / len(a) > 0.02


@needs_poppler
@pytest.mark.parametrize("volume", [30, 200, 1000])
def test_qr_on_the_rendered_label_decodes_to_the_payload(tmp_path, volume):
    label = make_label(volume_litres=volume)
    label = replace(label, qr_payload=qr_payload(label.ident_code, "https://wufei.example.cn"))
    image = to_png(render_labels([label]), tmp_path, dpi=200)
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    assert texts == [f"https://wufei.example.cn/c/{label.ident_code}"]


@needs_poppler
def test_all_five_pictograms_and_sample_mark_render(tmp_path):
    label = make_label(hazards=("T", "C", "I", "R", "In"), sample=True, volume_litres=30)
    image = to_png(render_labels([label]), tmp_path, dpi=100)
    row = next(b for b in grid(label.size) if b.key == "hazards")
    assert dark_fraction(image, (row.x, row.y, row.w, row.h), 100) > 0.05
