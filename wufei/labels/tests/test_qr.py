from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from wufei.labels.ident import IdentCodeError
from wufei.labels.qr import qr_matrix, qr_payload, qr_png, qr_runs, qr_svg


def test_payload_is_the_container_url(ident):
    assert qr_payload(ident, "https://wufei.example.cn/") == f"https://wufei.example.cn/c/{ident}"
    assert qr_payload(ident.lower(), "http://127.0.0.1:8000") == f"http://127.0.0.1:8000/c/{ident}"


def test_payload_without_base_url_is_the_bare_code(ident):
    assert qr_payload(ident) == ident
    assert qr_payload(ident, "  ") == ident


@pytest.mark.parametrize(
    "base", ["ftp://x.cn", "wufei.example.cn", "javascript:alert(1)", "https://"]
)
def test_payload_refuses_other_urls(ident, base):
    with pytest.raises(ValueError):
        qr_payload(ident, base)


def test_payload_refuses_a_bad_code():
    with pytest.raises(IdentCodeError):
        qr_payload("91330602MA2B3C4D5X", "https://wufei.example.cn")


def test_png_decodes_back(ident):
    payload = qr_payload(ident, "https://wufei.example.cn")
    png = qr_png(payload)
    assert png.startswith(b"\x89PNG")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [r.text for r in results] == [payload]


def test_svg(ident):
    svg = qr_svg(ident, title="数字识别码")
    assert svg.startswith("<svg") and "<path" in svg and "数字识别码" in svg


def test_empty_payload_is_refused():
    with pytest.raises(ValueError):
        qr_png("")


def test_runs_cover_exactly_the_dark_modules(ident):
    matrix = qr_matrix(qr_payload(ident, "https://wufei.example.cn"))
    painted = set()
    for x, y, w, h in qr_runs(matrix):
        cells = {(x + i, y + j) for i in range(w) for j in range(h)}
        assert not cells & painted  # no overlap
        painted |= cells
    dark = {(x, y) for y, row in enumerate(matrix) for x, v in enumerate(row) if v}
    assert painted == dark
    assert len(qr_runs(matrix)) < len(dark) / 2  # merged, not one rectangle per module
