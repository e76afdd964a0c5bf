"""Browser: the phone scanner page reads a label's QR from a photo and from the camera.

Marked ``browser`` (run by .ci/run with WUFEI_BROWSER_TESTS=1 and Debian's chromium). The
container page (/c/<ident>) belongs to the ledger; here the browser's request for it is
answered by a stub, so the test checks only that the scanner navigates to the right place.
The camera test feeds Chromium a fake camera: a Y4M video of a rendered label.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from wufei.labels.ident import make_ident_code
from wufei.labels.qr import qr_payload, qr_png
from wufei.tests_browser.support import CHROMIUM, CHROMIUM_ARGS, PHONE, Visit, _open

from .conftest import DAY, USCC

pytestmark = pytest.mark.browser
PASSWORD = "scan-the-label-2026"


@pytest.fixture
def scanner_user(transactional_db, django_user_model):
    return django_user_model.objects.create_user(username="scanner", password=PASSWORD)


@pytest.fixture
def phone(chromium, live_server, scanner_user) -> Iterator[Visit]:  # noqa: F811
    yield from _open(chromium, live_server, PHONE)


def stub_container_pages(visit: Visit) -> None:
    visit.page.route(
        "**/c/*",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>container</title>ok"
        ),
    )


def label_photo(payload: str) -> bytes:
    """A 'photo': the QR small and off-centre on a large grey picture."""
    code = Image.open(io.BytesIO(qr_png(payload, scale=6)))
    photo = Image.new("RGB", (1600, 1200), (200, 190, 170))
    photo.paste(code, (900, 500))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_photo_of_a_label_opens_the_container(phone, live_server, tmp_path):
    ident = make_ident_code(USCC, "900-249-08", DAY, 11)
    payload = qr_payload(ident, live_server.url)
    photo = tmp_path / "label.jpg"
    photo.write_bytes(label_photo(payload))
    stub_container_pages(phone)
    phone.login("scanner", PASSWORD)
    phone.go("/labels/scan/")
    phone.page.wait_for_selector("[data-scanner][data-ready='1']", state="attached")
    assert "扫描容器二维码" in phone.text("h1")
    phone.shot("labels-scan-phone")
    phone.page.set_input_files("[data-testid=scan-file]", str(photo))
    phone.page.wait_for_url(f"**/c/{ident}")


def test_bare_code_in_a_photo_opens_the_container(phone, live_server, tmp_path):
    ident = make_ident_code(USCC, "900-249-08", DAY, 12)
    photo = tmp_path / "bare.jpg"
    photo.write_bytes(label_photo(ident))
    stub_container_pages(phone)
    phone.login("scanner", PASSWORD)
    phone.go("/labels/scan/")
    phone.page.wait_for_selector("[data-scanner][data-ready='1']", state="attached")
    phone.page.set_input_files("[data-testid=scan-file]", str(photo))
    phone.page.wait_for_url(f"**/c/{ident}")


def test_foreign_qr_is_shown_not_followed(phone, tmp_path):
    photo = tmp_path / "foreign.jpg"
    photo.write_bytes(label_photo("https://elsewhere.example.com/phish"))
    phone.login("scanner", PASSWORD)
    phone.go("/labels/scan/")
    phone.page.wait_for_selector("[data-scanner][data-ready='1']", state="attached")
    phone.page.set_input_files("[data-testid=scan-file]", str(photo))
    phone.page.locator("[data-scanner-status]", has_text="elsewhere.example.com").wait_for()
    assert "/labels/scan/" in phone.page.url


def write_y4m(path: Path, image: Image.Image, frames: int = 10) -> None:
    """A YUV4MPEG2 (4:2:0) video of one still picture: Chromium's fake camera input."""
    w, h = image.size
    ycbcr = image.convert("YCbCr")
    y, cb, cr = ycbcr.split()
    half = (w // 2, h // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)


def test_camera_reads_the_label(chromium, live_server, scanner_user, tmp_path):  # noqa: F811
    ident = make_ident_code(USCC, "900-249-08", DAY, 13)
    payload = qr_payload(ident, live_server.url)
    picture = Image.new("RGB", (640, 480), (255, 150, 0))
    code = Image.open(io.BytesIO(qr_png(payload, scale=6, border=4))).convert("RGB")
    picture.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    video = tmp_path / "camera.y4m"
    write_y4m(video, picture)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    # A second browser from the same Playwright, launched with the fake camera.
    camera_browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, args=args, headless=True
    )
    try:
        for visit in _open(camera_browser, live_server, PHONE):
            visit.page.context.grant_permissions(["camera"], origin=live_server.url)
            stub_container_pages(visit)
            visit.login("scanner", PASSWORD)
            visit.go("/labels/scan/")
            visit.page.wait_for_selector("[data-scanner][data-ready='1']", state="attached")
            visit.page.click("[data-testid=scan-start]")
            visit.page.wait_for_url(f"**/c/{ident}")
    finally:
        camera_browser.close()
