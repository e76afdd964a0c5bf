"""Browser: a producer records a container on the phone, scans the printed label's QR with the
scanner page (a photo of the code, decoded in the browser) and stores the container in.

Marked ``browser`` (run by .ci/run with WUFEI_BROWSER_TESTS=1 and Debian's chromium).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from wufei.labels.qr import qr_payload, qr_png
from wufei.ledger.models import Container
from wufei.tests_browser.support import PHONE, Visit, _open

from .factories import producer_setup

pytestmark = pytest.mark.browser
PASSWORD = "wufei-test-password"


@pytest.fixture
def phone(chromium, live_server, transactional_db) -> Iterator[Visit]:  # noqa: F811
    yield from _open(chromium, live_server, PHONE)


def photo_of(payload: str) -> bytes:
    code = Image.open(io.BytesIO(qr_png(payload, scale=6)))
    photo = Image.new("RGB", (1400, 1000), (210, 200, 180))
    photo.paste(code, (700, 400))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_record_scan_and_store_a_container(phone, live_server, tmp_path):
    p = producer_setup()
    phone.login(p.user.username, PASSWORD)
    phone.go("/ledger/")
    page = phone.page
    page.select_option("#id_site", str(p.site.pk))
    page.select_option("#id_waste", f"plan:{p.line.pk}")
    page.select_option("#id_package_type", "drum")
    page.fill("#id_volume_litres", "200")
    page.fill("#id_count", "1")
    page.fill("#id_weight_kg", "180.5")
    page.click("[data-testid=one-step-form] button[type=submit]")
    page.wait_for_load_state()
    container = Container.objects.get()
    assert container.status == "coded" and container.ident_code in phone.text("main")
    phone.shot("ledger-today-phone")

    photo = tmp_path / "label.jpg"
    photo.write_bytes(photo_of(qr_payload(container.ident_code, live_server.url)))
    phone.go("/labels/scan/")
    page.wait_for_selector("[data-scanner][data-ready='1']", state="attached")
    page.set_input_files("[data-testid=scan-file]", str(photo))
    page.wait_for_url(f"**/c/{container.ident_code}")
    assert "HWCS" in phone.text("[data-testid=timeline]")

    page.select_option("[data-testid=store-in] select[name=facility]", str(p.storage.pk))
    page.click("[data-testid=store-in] button[type=submit]")
    page.wait_for_url(f"**/c/{container.ident_code}")
    assert "已入库" in phone.text("[data-testid=status]")
    phone.shot("ledger-container-phone")
    container.refresh_from_db()
    assert container.status == "stored" and container.facility == p.storage
