# ruff: noqa: S603, S607  (the tests run poppler-utils and node, found on PATH)
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from wufei.labels.ident import make_ident_code

from .conftest import DAY, USCC

STATIC = Path(settings.BASE_DIR) / "wufei" / "static"


@pytest.fixture
def user_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="scanner", password="x-very-long-pass")
    client.force_login(user)
    return client


def test_urls():
    assert reverse("labels:scan") == "/labels/scan/"
    assert reverse("labels:sample") == "/labels/sample.pdf"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["labels:scan", "labels:sample"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_scan_page(user_client):
    response = user_client.get(reverse("labels:scan"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200
    assert "扫描容器二维码" in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "<video" in html and "data-scanner" in html
    assert "vendor/jsqr/jsQR.js" in html and "wufei/scan.js" in html
    # strict CSP: no inline script, no inline style attributes
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    assert 'data-container-prefix="/c/"' in html


@pytest.mark.django_db
def test_scan_page_in_english(user_client):
    user_client.cookies["django_language"] = "en"
    response = user_client.get(reverse("labels:scan"))
    html = response.content.decode()
    assert "Scan a container&#x27;s QR code" in html or "Scan a container's QR code" in html
    assert "扫描容器二维码" not in html


@pytest.mark.django_db
def test_typed_code_opens_the_container(user_client):
    code = make_ident_code(USCC, "900-249-08", DAY, 3)
    response = user_client.get(reverse("labels:scan"), {"code": f" {code.lower()} "})
    assert response.status_code == 302 and response["Location"] == f"/c/{code}"


@pytest.mark.django_db
def test_typed_bad_code_says_what_is_wrong(user_client):
    response = user_client.get(reverse("labels:scan"), {"code": "123"})
    assert response.status_code == 200
    assert (
        "37" in response.content.decode()
        and 'data-testid="scan-error"' in response.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("volume", "side"), [("30", 100), ("200", 150), ("1000", 200), ("x", 150)])
def test_sample_label_pdf(user_client, volume, side, tmp_path):
    response = user_client.get(reverse("labels:sample"), {"volume": volume})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "sample" in response["Content-Disposition"]
    if shutil.which("pdfinfo"):
        path = tmp_path / "s.pdf"
        path.write_bytes(response.content)
        out = subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, text=True, check=True
        ).stdout
        width = float(re.search(r"Page size:\s+([\d.]+)", out).group(1))
        assert width == pytest.approx(side * 72 / 25.4, abs=0.05)
        assert re.search(r"Pages:\s+(\d+)", out).group(1) == ("2" if side == 200 else "1")


def test_sample_label_is_marked():
    from wufei.labels.sample import sample_label

    label = sample_label(30, "https://wufei.example.cn")
    assert label.sample and "样例" in label.producer_name
    assert label.qr_payload == f"https://wufei.example.cn/c/{label.ident_code}"


def test_vendored_qr_library_has_licence_and_version():
    folder = STATIC / "vendor" / "jsqr"
    assert (folder / "jsQR.js").stat().st_size > 100_000
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "jsqr 1.4.0" in (folder / "VERSION").read_text()


NODE_CHECK = r"""
const fs = require('fs');
global.window = {}; global.document = { addEventListener() {} };
eval(fs.readFileSync(process.argv[2], 'utf8'));
const r = window.wufeiScan.resolveTarget, o = 'https://wufei.example.cn';
const code = process.argv[3];
const out = [
  r('https://wufei.example.cn/c/' + code, o, '/c/'),
  r(code.toLowerCase(), o, '/c/'),
  r(' ' + code.slice(0, 18) + ' ' + code.slice(18) + ' ', o, '/c/'),
  r('https://evil.example.com/c/' + code, o, '/c/'),
  r('javascript:alert(1)', o, '/c/'),
  r('hello', o, '/c/'),
  r('', o, '/c/'),
];
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run scan.js")
def test_scan_js_resolves_only_this_sites_urls_and_bare_codes(tmp_path):
    import json

    code = make_ident_code(USCC, "900-249-08", DAY, 3)
    script = tmp_path / "check.js"
    script.write_text(NODE_CHECK)
    out = subprocess.run(
        ["node", str(script), str(STATIC / "wufei" / "scan.js"), code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == [f"/c/{code}", f"/c/{code}", f"/c/{code}", None, None, None, None]
