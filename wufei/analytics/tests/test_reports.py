# ruff: noqa: S603, S607  (the tests run poppler-utils, found on PATH)
"""The annual plan-implementation report as PDF (embedded CJK font, Chinese actually drawn,
charts) and Excel (one sheet per table), and every dashboard table as Excel."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook
from PIL import Image, ImageChops

from wufei.catalog.models import Region
from wufei.registry.tests.factories import regulator

from ..reports import TABLE_IDS

pytestmark = pytest.mark.django_db
YEAR = 2026
POPPLER = shutil.which("pdftoppm") and shutil.which("pdffonts") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="needs poppler-utils")


@pytest.fixture
def city(reference_data, trip):
    c = Client()
    c.force_login(regulator("3306"))
    return c


def _get(client: Client, path: str) -> bytes:
    r = client.get(path, {"year": YEAR})
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Disposition"].startswith("attachment;")
    return r.content


def _png(pdf: bytes, tmp_path: Path, name: str, dpi: int = 60, mode: str = "L") -> Image.Image:
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    stem = tmp_path / name
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", src, stem],
        check=True,
    )
    return Image.open(f"{stem}.png").convert(mode)


@needs_poppler
def test_pdf_embeds_its_font_and_draws_chinese(city, tmp_path):
    pdf = _get(city, "/analytics/330600/report.pdf")
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    for row in rows:  # the label font only (no Helvetica from the charts), embedded subset
        assert "WufeiLabelKai" in row[0], fonts
        assert row[-5:-2] == ["yes", "yes", "yes"], fonts
    text = subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "绍兴市2026年固体废物污染防治规划实施进展报告" in text
    for caption in ("一、规划指标完成情况", "二、月度趋势", "三、下级地区", "四、产生结构"):
        assert caption in text
    assert "2027年目标" in text and "综合利用率" in text
    for name in Region.objects.filter(parent__code="330600").values_list("name", flat=True):
        assert name in text  # the child-region table
    # the drawn title: ink where it is, and another region's title draws differently
    # (missing glyphs would draw the same empty boxes)
    page = _png(pdf, tmp_path, "city")
    w, h = page.size
    title = page.crop((0, int(h * 0.03), w, int(h * 0.09)))
    assert sum(1 for p in title.tobytes() if p < 100) > 200
    county = Client()
    county.force_login(regulator("330602"))
    other = _png(_get(county, "/analytics/330602/report.pdf"), tmp_path, "county")
    diff = ImageChops.difference(title, other.crop((0, int(h * 0.03), w, int(h * 0.09))))
    assert diff.getbbox() is not None


def _drawing_png(drawing, tmp_path: Path, name: str) -> Image.Image:
    from reportlab.graphics import renderPDF
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(drawing.width, drawing.height))
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.save()
    return _png(buffer.getvalue(), tmp_path, name, dpi=72, mode="RGB")


def _ink(image: Image.Image, colour: tuple[int, int, int]) -> int:
    data = image.convert("RGB").tobytes()
    return sum(
        1
        for k in range(0, len(data), 3)
        if all(abs(data[k + i] - colour[i]) < 40 for i in range(3))
    )


@needs_poppler
def test_pdf_charts_are_drawn(tmp_path):
    """The trend chart draws a line per percentage indicator with data, the bar chart its
    bars; without data the trend chart says so and draws no line."""
    from .. import report_pdf

    months = list(range(1, 13))
    series = [
        {"code": "general_utilisation_rate", "name": "x", "unit": "%",
         "values": [90.0 + m / 2 for m in months]},
        {"code": "intensity", "name": "y", "unit": "t/万元", "values": [0.2] * 12},
    ]  # fmt: skip
    blue = (0x15, 0x65, 0xC0)
    drawn = _drawing_png(
        report_pdf._trend_chart({"trends": {"months": months, "series": series}}), tmp_path, "t"
    )
    assert _ink(drawn, blue) > 100
    empty = [{**s, "values": [None] * 12} for s in series]
    blank = _drawing_png(
        report_pdf._trend_chart({"trends": {"months": months, "series": empty}}), tmp_path, "e"
    )
    assert _ink(blank, blue) == 0
    bars = _drawing_png(
        report_pdf._bars("产生量", ["HW08", "HW49"], [10.0, 5.0], "#c62828"), tmp_path, "b"
    )
    assert _ink(bars, (0xC6, 0x28, 0x28)) > 300


def test_report_workbook_has_one_sheet_per_table(city):
    book = load_workbook(io.BytesIO(_get(city, "/analytics/330600/report.xlsx")))
    assert len(book.sheetnames) == len(TABLE_IDS)
    indicators = book[book.sheetnames[0]]
    rows = list(indicators.iter_rows(values_only=True))
    assert "绍兴市 2026" in rows[0][0]
    assert rows[1][0] == "指标"
    assert len(rows) == 2 + 7
    assert {r[5] for r in rows[2:]} <= {"达标", "接近", "未达标", "无数据"}
    children = book[book.sheetnames[2]]
    names = [r[0] for r in children.iter_rows(min_row=3, values_only=True)]
    assert sorted(names) == sorted(
        Region.objects.filter(parent__code="330600").values_list("name", flat=True)
    )
    months = [r[0] for r in book[book.sheetnames[1]].iter_rows(min_row=3, values_only=True)]
    assert months == list(range(1, 13))


def test_every_table_downloads_as_excel(city, trip):
    for table_id in TABLE_IDS:
        book = load_workbook(io.BytesIO(_get(city, f"/analytics/330600/tables/{table_id}.xlsx")))
        assert len(book.sheetnames) == 1
    loads = load_workbook(io.BytesIO(_get(city, "/analytics/330600/tables/loads.xlsx"))).active
    rows = list(loads.iter_rows(min_row=3, values_only=True))
    assert (trip.permit.number, trip.receiver.name) in {(r[0], r[1]) for r in rows}
    row = next(r for r in rows if r[0] == trip.permit.number)
    assert row[4] == 1000.0  # permitted tonnes
    assert city.get("/analytics/330600/tables/nope.xlsx").status_code == 404


def test_downloads_are_bounded_by_jurisdiction(city, trip):
    other = Client()
    other.force_login(regulator("3301"))
    for path in ("report.pdf", "report.xlsx", "tables/indicators.xlsx"):
        assert other.get(f"/analytics/330600/{path}").status_code == 404
    shipper = Client()
    shipper.force_login(trip.shipper_user)
    assert shipper.get("/analytics/330602/report.xlsx").status_code == 404
